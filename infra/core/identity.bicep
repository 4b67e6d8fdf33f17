// The one identity of the app: storage, monitoring and every Microsoft API token (Graph, BAP,
// Power Platform API, Dataverse) are obtained with it.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
