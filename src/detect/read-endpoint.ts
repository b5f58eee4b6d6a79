import { DescribeEndpointCommand, type IoTClient } from '@aws-sdk/client-iot';
import { CloudError } from '../errors.js';

/** The account's ATS data endpoint: where devices connect, and where shadows are read. */
export async function readDataEndpoint(client: IoTClient): Promise<string> {
  const { endpointAddress } = await client.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
  if (!endpointAddress) throw new CloudError('DescribeEndpoint returned no iot:Data-ATS endpoint address');
  return endpointAddress;
}
