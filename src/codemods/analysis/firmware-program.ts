import { Project, ts } from 'ts-morph';

/** Where the in-memory copy of the repo lives; paths in results are relative to it. */
export const VIRTUAL_ROOT = '/repo';

export interface FirmwareProgram {
  program: ts.Program;
  checker: ts.TypeChecker;
  /** Source files in the order the paths were given. */
  sourceFiles: Map<string, ts.SourceFile>;
}

/**
 * One TypeScript program over the repo's source files, held in memory. Only relative
 * imports resolve, to files of the repo: the answers the codemods need (which
 * declaration does this name refer to, in which file) come from the binder, so the
 * SDKs' type definitions are never loaded. That keeps a large repo fast and makes the
 * result the same whether or not the repo has its node_modules installed.
 */
export function createFirmwareProgram(files: ReadonlyMap<string, string>): FirmwareProgram {
  const project = new Project({
    useInMemoryFileSystem: true,
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
    skipLoadingLibFiles: true,
    compilerOptions: {
      allowJs: true,
      checkJs: false,
      noLib: true,
      noEmit: true,
      types: [],
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
    },
    resolutionHost: (moduleResolutionHost, getCompilerOptions) => ({
      resolveModuleNames: (moduleNames, containingFile) =>
        moduleNames.map((name) =>
          name.startsWith('.') ? ts.resolveModuleName(name, containingFile, getCompilerOptions(), moduleResolutionHost).resolvedModule : undefined,
        ),
    }),
  });
  for (const [path, text] of files) project.createSourceFile(`${VIRTUAL_ROOT}/${path}`, text, { overwrite: true });
  const program = project.getProgram().compilerObject;
  const sourceFiles = new Map<string, ts.SourceFile>();
  for (const path of files.keys()) {
    const sourceFile = program.getSourceFile(`${VIRTUAL_ROOT}/${path}`);
    if (sourceFile !== undefined) sourceFiles.set(path, sourceFile);
  }
  return { program, checker: program.getTypeChecker(), sourceFiles };
}
