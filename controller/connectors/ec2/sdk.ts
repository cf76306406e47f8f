/**
 * The AWS SDK's EC2 module, imported when an `ec2` connector first calls the
 * cloud rather than at controller start (issue 20): it adds about 11 MB of
 * heap and 2 MB of parsed source, which a controller without ec2 clouds
 * should not hold. Modules import its types only (`import type`).
 */
export type Ec2Sdk = typeof import('@aws-sdk/client-ec2');

let loading: Promise<Ec2Sdk> | undefined;

/** The SDK module, loaded once per process. */
export function loadEc2Sdk(): Promise<Ec2Sdk> {
  loading ??= import('@aws-sdk/client-ec2');
  loading.catch(() => (loading = undefined)); // a failed load is tried again by the next call
  return loading;
}
