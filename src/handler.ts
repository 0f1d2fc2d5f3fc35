import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/**
 * The URL namespace of the server extension.
 */
export const API_NAMESPACE = 'jupyter-smcost';

/**
 * Call the jupyter-smcost server extension.
 *
 * @param endPoint - The REST end point under `{base_url}jupyter-smcost/`,
 *   with its query string if any.
 * @param init - The fetch options (method, body, ...).
 * @param serverSettings - The server connection; defaults to the page's.
 * @returns The JSON body of the answer, or `undefined` when it is empty.
 * @throws `ServerConnection.NetworkError` when the server cannot be reached,
 *   `ServerConnection.ResponseError` (carrying the server's `message`) on any
 *   non-2xx answer.
 */
export async function requestAPI<T>(
  endPoint = '',
  init: RequestInit = {},
  serverSettings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(serverSettings.baseUrl, API_NAMESPACE, endPoint);
  // makeRequest adds the token and XSRF headers and turns a failed fetch into
  // a NetworkError.
  const response = await ServerConnection.makeRequest(
    url,
    init,
    serverSettings
  );
  const text = await response.text();
  const data = Private.parse(text);

  if (!response.ok) {
    throw new ServerConnection.ResponseError(
      response,
      Private.errorMessage(response, data)
    );
  }
  return data as T;
}

/**
 * A JSON request body with the matching content type.
 *
 * @param method - The HTTP method.
 * @param body - The value to send as JSON.
 */
export function jsonInit(method: 'POST' | 'PUT', body: unknown): RequestInit {
  return {
    method,
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' }
  };
}

namespace Private {
  /**
   * Parse a body that should be JSON; an empty body (e.g. 204) is `undefined`.
   */
  export function parse(text: string): unknown {
    if (text.length === 0) {
      return undefined;
    }
    try {
      return JSON.parse(text);
    } catch {
      // A proxy's HTML error page, for instance: keep the text for the message.
      return text;
    }
  }

  /**
   * The best message for a failed answer: the server's JSON `message` (what
   * jupyter_server's API handlers write), else a generic one.
   */
  export function errorMessage(response: Response, data: unknown): string {
    if (
      typeof data === 'object' &&
      data !== null &&
      typeof (data as { message?: unknown }).message === 'string' &&
      (data as { message: string }).message.length > 0
    ) {
      return (data as { message: string }).message;
    }
    return `Invalid response: ${response.status} ${response.statusText}`.trim();
  }
}
