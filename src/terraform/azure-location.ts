/**
 * The Azure region nearest each AWS region (same metro where both clouds have one), so
 * a default plan keeps the fleet's latency and data residency. Regions not listed need
 * --location: guessing a jurisdiction is not a default anyone should get silently.
 */
const NEAREST_AZURE_LOCATION: Record<string, string> = {
  'us-east-1': 'eastus',
  'us-east-2': 'eastus2',
  'us-west-1': 'westus',
  'us-west-2': 'westus2',
  'ca-central-1': 'canadacentral',
  'sa-east-1': 'brazilsouth',
  'eu-west-1': 'northeurope',
  'eu-west-2': 'uksouth',
  'eu-west-3': 'francecentral',
  'eu-central-1': 'germanywestcentral',
  'eu-central-2': 'switzerlandnorth',
  'eu-north-1': 'swedencentral',
  'eu-south-1': 'italynorth',
  'ap-northeast-1': 'japaneast',
  'ap-northeast-2': 'koreacentral',
  'ap-northeast-3': 'japanwest',
  'ap-southeast-1': 'southeastasia',
  'ap-southeast-2': 'australiaeast',
  'ap-south-1': 'centralindia',
  'ap-east-1': 'eastasia',
  'me-central-1': 'uaenorth',
  'af-south-1': 'southafricanorth',
};

export function nearestAzureLocation(awsRegion: string): string | undefined {
  return NEAREST_AZURE_LOCATION[awsRegion];
}
