/**
 * The certificates an instance identity document's signature is checked against. kiln ships AWS's
 * published DSA certificate for the `pkcs7` signature
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/regions-certs.html): the one AWS lists for
 * the regions enabled by default in the `aws` partition. Opt-in regions (e.g. af-south-1,
 * ap-east-1, eu-south-1, me-south-1), China and GovCloud publish their own; add them (or replace
 * the shipped one) with `enrollment.aws.certificateFiles`. Tests configure a test CA the same way.
 */

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../../lib/errors.ts';

/** AWS's DSA certificate for instance identity `pkcs7` signatures (valid 2012-01-05 to 2038-01-05). */
export const awsDsaCertificatePem = `-----BEGIN CERTIFICATE-----
MIIC7TCCAq0CCQCWukjZ5V4aZzAJBgcqhkjOOAQDMFwxCzAJBgNVBAYTAlVTMRkw
FwYDVQQIExBXYXNoaW5ndG9uIFN0YXRlMRAwDgYDVQQHEwdTZWF0dGxlMSAwHgYD
VQQKExdBbWF6b24gV2ViIFNlcnZpY2VzIExMQzAeFw0xMjAxMDUxMjU2MTJaFw0z
ODAxMDUxMjU2MTJaMFwxCzAJBgNVBAYTAlVTMRkwFwYDVQQIExBXYXNoaW5ndG9u
IFN0YXRlMRAwDgYDVQQHEwdTZWF0dGxlMSAwHgYDVQQKExdBbWF6b24gV2ViIFNl
cnZpY2VzIExMQzCCAbcwggEsBgcqhkjOOAQBMIIBHwKBgQCjkvcS2bb1VQ4yt/5e
ih5OO6kK/n1Lzllr7D8ZwtQP8fOEpp5E2ng+D6Ud1Z1gYipr58Kj3nssSNpI6bX3
VyIQzK7wLclnd/YozqNNmgIyZecN7EglK9ITHJLP+x8FtUpt3QbyYXJdmVMegN6P
hviYt5JH/nYl4hh3Pa1HJdskgQIVALVJ3ER11+Ko4tP6nwvHwh6+ERYRAoGBAI1j
k+tkqMVHuAFcvAGKocTgsjJem6/5qomzJuKDmbJNu9Qxw3rAotXau8Qe+MBcJl/U
hhy1KHVpCGl9fueQ2s6IL0CaO/buycU1CiYQk40KNHCcHfNiZbdlx1E9rpUp7bnF
lRa2v1ntMX3caRVDdbtPEWmdxSCYsYFDk4mZrOLBA4GEAAKBgEbmeve5f8LIE/Gf
MNmP9CM5eovQOGx5ho8WqD+aTebs+k2tn92BBPqeZqpWRa5P/+jrdKml1qx4llHW
MXrs3IgIb6+hUIB+S8dz8/mmO0bpr76RoZVCXYab2CZedFut7qc3WUH9+EUAH5mw
vSeDCOUMYQR7R9LINYwouHIziqQYMAkGByqGSM44BAMDLwAwLAIUWXBlk40xTwSw
7HX32MxXYruse9ACFBNGmdX2ZBrVNGrN9N2f6ROk0k9K
-----END CERTIFICATE-----
`;

/** Every PEM certificate in a text (a file may hold several). */
export function parsePemCertificates(text: string): X509Certificate[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

/**
 * The trusted certificates: the shipped AWS one unless `replaceShipped`, plus every certificate
 * in `files`. A file that cannot be read or holds no certificate is a config error naming it.
 */
export function loadTrustedCertificates(
  files: readonly string[],
  replaceShipped: boolean,
  configSource = 'enrollment.aws.certificateFiles',
): X509Certificate[] {
  const trusted = replaceShipped ? [] : parsePemCertificates(awsDsaCertificatePem);
  for (const file of files) {
    let certificates: X509Certificate[];
    try {
      certificates = parsePemCertificates(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(
        configSource,
        file,
        `a readable PEM certificate file (${(error as Error).message})`,
      );
    }
    if (certificates.length === 0) throw new ConfigError(configSource, file, 'at least one PEM certificate');
    trusted.push(...certificates);
  }
  return trusted;
}
