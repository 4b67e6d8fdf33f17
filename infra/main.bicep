// The whole deployment: `azd up` provisions this, then deploys the app to the Function App.
// Plain resources, no registry modules: everything the app gets is in this folder, and checkov
// (scripts/test) reads all of it.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names the resource group and seeds the resource names.')
param environmentName string

@minLength(1)
@description('Region of every resource (one that offers the Flex Consumption plan).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the administrator who runs azd (azd fills it in): may write the LCS token cache, for the one-time sign-in.')
param principalId string = ''

@allowed(['User', 'Group', 'ServicePrincipal'])
param principalType string = 'User'

@minLength(36)
@description('Client id of the public client app registration used for the LCS device-code sign-in (LCS_CLIENT_ID).')
param lcsClientId string

@minLength(36)
@description('Client id of the Entra app registration that App Service Authentication signs people in with.')
param authClientId string

@description('Comma-separated UPNs or object ids allowed to confirm besides the operator (LINK_CONFIRMERS).')
param linkConfirmers string = ''

@description('Comma-separated App Service Authentication identity providers (auth_typ) whose principals may confirm or cancel (LINK_ALLOWED_IDENTITY_PROVIDERS).')
param linkAllowedIdentityProviders string = 'aad'

@allowed(['operator', 'lcs-api'])
param linkDefaultSetupMode string = 'operator'
param linkConfirmationTimeout string = 'P3D'
param linkRevalidateAfter string = 'PT1H'
param linkProvisioningDeadline string = 'PT4H'
@description('Optional JSON list of {untilMinutes, everyMinutes} polling stages; empty for the built-in schedule.')
param linkPollSchedule string = ''

@description('Durable task hub. Keep it across releases: runs in flight live in it (see README, Upgrading safely).')
param taskHubName string = 'LinkHub'

// Service endpoints: Microsoft's by default; a customer's LCS gateway or a sovereign cloud by parameter.
param authorityHost string = 'https://login.microsoftonline.com'
param lcsBaseUrl string = 'https://lcsapi.lcs.dynamics.com'
param bapBaseUrl string = 'https://api.bap.microsoft.com'
param powerPlatformApiBaseUrl string = 'https://api.powerplatform.com'
param graphBaseUrl string = 'https://graph.microsoft.com'
param lcsAllowedHosts string = 'lcsapi.lcs.dynamics.com,*.lcs.dynamics.com'
param bapAllowedHosts string = 'api.bap.microsoft.com'
param powerPlatformApiAllowedHosts string = 'api.powerplatform.com'
param graphAllowedHosts string = 'graph.microsoft.com'
param dataverseAllowedHosts string = '*.dynamics.com'

@description('LCS metadata calls per project per minute, per instance: lower it when more instances run.')
param lcsMetadataCallsPerMinute int = 6
@minValue(1)
param maximumInstanceCount int = 10

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = 'func-link-${resourceToken}'
var deploymentContainerName = 'app-package-${resourceToken}'
var lcsTokenCacheContainerName = 'lcs-token-cache'
// The runs' status documents (services/status_store.py CONTAINER).
var statusContainerName = 'link-status'
// Blob containers the app itself uses.
var appContainerNames = [lcsTokenCacheContainerName, statusContainerName]

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'core/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-link-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'core/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'core/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    containerNames: concat([deploymentContainerName], appContainerNames)
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    identityPrincipalId: identity.outputs.principalId
    lcsTokenCacheContainerName: lcsTokenCacheContainerName
    adminPrincipalId: principalId
    adminPrincipalType: principalType
  }
}

module api 'app/function.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    lcsTokenCacheUrl: '${storage.outputs.blobEndpoint}${lcsTokenCacheContainerName}/lcs-token-cache.json'
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    maximumInstanceCount: maximumInstanceCount
    authClientId: authClientId
    settings: {
      taskHubName: taskHubName
      linkDefaultSetupMode: linkDefaultSetupMode
      linkConfirmationTimeout: linkConfirmationTimeout
      linkRevalidateAfter: linkRevalidateAfter
      linkProvisioningDeadline: linkProvisioningDeadline
      linkPollSchedule: linkPollSchedule
      linkConfirmers: linkConfirmers
      linkAllowedIdentityProviders: linkAllowedIdentityProviders
      authorityHost: authorityHost
      lcsBaseUrl: lcsBaseUrl
      bapBaseUrl: bapBaseUrl
      powerPlatformApiBaseUrl: powerPlatformApiBaseUrl
      graphBaseUrl: graphBaseUrl
      lcsAllowedHosts: lcsAllowedHosts
      bapAllowedHosts: bapAllowedHosts
      powerPlatformApiAllowedHosts: powerPlatformApiAllowedHosts
      graphAllowedHosts: graphAllowedHosts
      dataverseAllowedHosts: dataverseAllowedHosts
      lcsClientId: lcsClientId
      lcsMetadataCallsPerMinute: string(lcsMetadataCallsPerMinute)
    }
  }
  // The app's first start needs its storage, monitoring and token cache roles.
  dependsOn: [rbac]
}

// Read by the README's next steps (`azd env get-values`) and by `python -m cli`.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output LINK_API_URL string = api.outputs.url
output AUTH_REDIRECT_URI string = '${api.outputs.url}/.auth/login/aad/callback'
output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output LCS_CLIENT_ID string = lcsClientId
output LCS_TOKEN_CACHE string = '${storage.outputs.blobEndpoint}${lcsTokenCacheContainerName}/lcs-token-cache.json'
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
