// Drives the official @logto/api client against a live authkeep and prints what it saw as JSON.
import { createManagementApi } from '@logto/api/management';

const { AUTHKEEP_URL, CLIENT_ID, CLIENT_SECRET, SUFFIX } = process.env;
const { apiClient, clientCredentials } = createManagementApi('default', {
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  baseUrl: AUTHKEEP_URL,
  apiIndicator: 'https://default.logto.app/api',
});

const out = {};
const step = async (name, fn) => {
  try {
    out[name] = await fn();
  } catch (error) {
    out[name] = { thrown: String(error) };
  }
};
const shape = ({ data, error, response }) => ({ status: response.status, data, error });

await step('token', async () => {
  const token = await clientCredentials.getAccessToken();
  return { hasValue: typeof token.value === 'string' && token.value.length > 0, scope: token.scope };
});
await step('listApps', async () => shape(await apiClient.GET('/api/applications')));
const created = await apiClient.POST('/api/applications', {
  body: { name: `node-m2m-${SUFFIX}`, type: 'MachineToMachine', description: 'from @logto/api' },
});
out.createApp = shape(created);
const appId = created.data?.id;
await step('getApp', async () => shape(await apiClient.GET('/api/applications/{id}', { params: { path: { id: appId } } })));
const role = await apiClient.POST('/api/roles', {
  body: { name: `node-role-${SUFFIX}`, description: 'from @logto/api', type: 'MachineToMachine' },
});
out.createRole = shape(role);
const roleId = role.data?.id;
await step('listRoles', async () => {
  const res = await apiClient.GET('/api/roles', { params: { query: { page: 1, page_size: 100 } } });
  return { ...shape(res), totalNumber: res.response.headers.get('Total-Number'), link: res.response.headers.get('Link') };
});
await step('assignRole', async () =>
  shape(await apiClient.POST('/api/applications/{applicationId}/roles', {
    params: { path: { applicationId: appId } },
    body: { roleIds: [roleId] },
  })),
);
await step('replaceRoles', async () =>
  shape(await apiClient.PUT('/api/applications/{applicationId}/roles', {
    params: { path: { applicationId: appId } },
    body: { roleIds: [roleId] },
  })),
);
await step('appRoles', async () =>
  shape(await apiClient.GET('/api/applications/{applicationId}/roles', { params: { path: { applicationId: appId } } })),
);
await step('secrets', async () =>
  shape(await apiClient.GET('/api/applications/{id}/secrets', { params: { path: { id: appId } } })),
);
await step('missingApp', async () =>
  shape(await apiClient.GET('/api/applications/{id}', { params: { path: { id: 'does-not-exist' } } })),
);
await step('resources', async () => shape(await apiClient.GET('/api/resources')));
await step('deleteApp', async () =>
  shape(await apiClient.DELETE('/api/applications/{id}', { params: { path: { id: appId } } })),
);
process.stdout.write(JSON.stringify(out));
