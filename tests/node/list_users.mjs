// Lists users with the official @logto/api client and an app's own credentials; prints JSON.
import { createManagementApi } from '@logto/api/management';

const { AUTHKEEP_URL, CLIENT_ID, CLIENT_SECRET } = process.env;
const { apiClient, clientCredentials } = createManagementApi('default', {
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  baseUrl: AUTHKEEP_URL,
  apiIndicator: 'https://default.logto.app/api',
});

const token = await clientCredentials.getAccessToken();
const { data, error, response } = await apiClient.GET('/api/users', { params: { query: { page_size: 100 } } });
process.stdout.write(JSON.stringify({ scope: token.scope, status: response.status, error, users: data }));
