/**
 * Whether a process with this pid runs now: what tells a live holder (an apply, a
 * sandbox, its fleet) from one killed with -9, whose pid file or record stays behind.
 * EPERM means it runs under another user.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
