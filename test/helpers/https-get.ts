import { request } from 'node:https';

export interface HttpsAnswer {
  status: number;
  contentType: string | undefined;
  body: string;
}

/** GETs an https URL trusting `ca` (a controller's CA) alone. */
export function httpsGet(url: string, ca: string): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body }));
    })
      .on('error', reject)
      .end();
  });
}
