import { createKontrolerClient } from '@kontroler/client';

/**
 * The app's one API client (`@kontroler/client`, generated from the API's OpenAPI document), on the
 * page's own origin. The auth store installs its token source at start-up.
 */
export const http = createKontrolerClient();
