// The Function App on the Flex Consumption plan, its app settings and App Service Authentication.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerName string
param lcsTokenCacheUrl string
@secure()
param applicationInsightsConnectionString string
param maximumInstanceCount int
param authClientId string
@description('The values main.bicep decides (see its parameters).')
param settings object

// The Python the app is built and tested with (tests/deploy checks that they agree).
var pythonVersion = '3.11'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  // checkov:skip=CKV_AZURE_225:zone redundancy on Flex Consumption is offered in a few regions only; run state lives in zone-redundant storage, so a run survives a zone outage
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  // checkov:skip=CKV_AZURE_222:the API and the review page are reached over the internet, behind App Service Authentication
  // checkov:skip=CKV_AZURE_17:people sign in with Entra ID (App Service Authentication); client certificates would lock browsers out
  // checkov:skip=CKV_AZURE_212:Flex Consumption adds instances on demand; numberOfWorkers does not apply to it
  // checkov:skip=CKV_AZURE_213:Flex Consumption has no health-check instance replacement; /api/health serves outside probes
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: { maximumInstanceCount: maximumInstanceCount, instanceMemoryMB: 2048 }
      runtime: { name: 'python', version: pythonVersion }
    }
  }
}

// Every setting the app reads, and no other (app_settings.py declares them; tests/deploy compares).
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  // The web-section checks, as on authsettingsV2 below (CKV_AZURE_13: authentication is set there):
  // checkov:skip=CKV_AZURE_13:authentication is on in authsettingsV2 below, which this check does not read
  // checkov:skip=CKV_AZURE_63:web-section check; the Functions host logs requests to Application Insights
  // checkov:skip=CKV_AZURE_65:web-section check; detailed IIS error pages do not apply to a Linux Function App
  properties: {
    // checkov:skip=CKV_AZURE_66:web-section check; failed request tracing is IIS-only
    // checkov:skip=CKV_AZURE_80:web-section check; no .NET Framework in a Python app
    // checkov:skip=CKV_AZURE_88:web-section check; Flex Consumption mounts no Azure Files share
    // checkov:skip=CKV_AZURE_222:web-section check; public access is decided on the site above
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
    AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
    DURABLE_TASK_HUB: settings.taskHubName
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identityClientId}'
    LINK_DEFAULT_SETUP_MODE: settings.linkDefaultSetupMode
    LINK_CONFIRMATION_TIMEOUT: settings.linkConfirmationTimeout
    LINK_REVALIDATE_AFTER: settings.linkRevalidateAfter
    LINK_PROVISIONING_DEADLINE: settings.linkProvisioningDeadline
    LINK_POLL_SCHEDULE: settings.linkPollSchedule
    LINK_CONFIRMERS: settings.linkConfirmers
    LINK_ALLOWED_IDENTITY_PROVIDERS: settings.linkAllowedIdentityProviders
    LINK_PUBLIC_BASE_URL: 'https://${site.properties.defaultHostName}'
    AZURE_TENANT_ID: tenant().tenantId
    AZURE_CLIENT_ID: identityClientId
    AZURE_AUTHORITY_HOST: settings.authorityHost
    IDENTITY_DISABLE_INSTANCE_DISCOVERY: 'false'
    LCS_BASE_URL: settings.lcsBaseUrl
    BAP_BASE_URL: settings.bapBaseUrl
    POWERPLATFORM_API_BASE_URL: settings.powerPlatformApiBaseUrl
    GRAPH_BASE_URL: settings.graphBaseUrl
    LCS_ALLOWED_HOSTS: settings.lcsAllowedHosts
    BAP_ALLOWED_HOSTS: settings.bapAllowedHosts
    POWERPLATFORM_API_ALLOWED_HOSTS: settings.powerPlatformApiAllowedHosts
    GRAPH_ALLOWED_HOSTS: settings.graphAllowedHosts
    DATAVERSE_ALLOWED_HOSTS: settings.dataverseAllowedHosts
    LCS_CLIENT_ID: settings.lcsClientId
    LCS_TOKEN_CACHE: lcsTokenCacheUrl
    LCS_METADATA_CALLS_PER_MINUTE: settings.lcsMetadataCallsPerMinute
    HTTP_TIMEOUT_SECONDS: '30'
    HTTP_MAX_RETRIES: '5'
    // On: the warm-up races the first request of an instance that request starts, and still takes
    // 1 to 2 L off a first validation (services/startup.py; bench/README.md, Fan-out).
    TOKEN_PREFETCH_AT_START: 'true'
  }
}

// Confirm and cancel trust X-MS-CLIENT-PRINCIPAL: only the platform may set it, so sign-in is required.
resource authentication 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'authsettingsV2'
  // checkov reads every sites/config resource as the web section (siteConfig); these checks don't
  // apply to authentication settings:
  // checkov:skip=CKV_AZURE_13:authentication is on here, in authsettingsV2 (platform.enabled), which this check does not read
  // checkov:skip=CKV_AZURE_63:web-section check; the Functions host logs requests to Application Insights
  properties: {
    // checkov:skip=CKV_AZURE_65:web-section check; detailed IIS error pages do not apply to a Linux Function App
    // checkov:skip=CKV_AZURE_66:web-section check; failed request tracing is IIS-only
    // checkov:skip=CKV_AZURE_80:web-section check; no .NET Framework in a Python app
    platform: { enabled: true }
    // checkov:skip=CKV_AZURE_88:web-section check; Flex Consumption mounts no Azure Files share
    // checkov:skip=CKV_AZURE_222:web-section check; public access is decided on the site above
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'RedirectToLoginPage'
      redirectToProvider: 'azureactivedirectory'
      excludedPaths: ['/api/health']
    }
    httpSettings: { requireHttps: true }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: { allowedAudiences: ['api://${authClientId}', authClientId] }
      }
    }
    login: { tokenStore: { enabled: false } }
  }
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostName}'
