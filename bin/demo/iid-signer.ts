/**
 * Signs EC2 instance identity documents the way AWS does, with a key of our own: a PKCS#7
 * SignedData with the document attached, made by `openssl smime -sign` (SHA-1 with a DSA key for
 * the `pkcs7` signature, SHA-256 with RSA for `rsa2048`), served by the IMDSv2 stand-in without
 * its PEM armour, exactly as IMDS serves it. The demo and the tests trust the signer's
 * certificate on the collector (`enrollment.aws.certificateFiles`); only the key is not AWS's.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KilnError } from '../../lib/errors.ts';

/** A signing key and its self-signed certificate. */
export interface IidSigner {
  /** The PEM certificate to trust on the collector. */
  certFile: string;
  /** The `pkcs7` answer for a document: base64 lines, no armour. */
  sign(document: string): string;
  /** Removes the key material. */
  dispose(): void;
}

/** Makes a key pair and certificate in a fresh directory (`openssl` must be on PATH). */
export function createIidSigner(
  keyType: 'dsa' | 'rsa' = 'dsa',
  subject = '/C=US/O=kiln test signer',
): IidSigner {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-iid-signer-'));
  const key = join(dir, 'signer.key');
  const certFile = join(dir, 'signer.pem');
  const digest = keyType === 'dsa' ? 'sha1' : 'sha256';
  try {
    if (keyType === 'dsa') {
      // 1024-bit, like AWS's own DSA certificate (and quick to make).
      openssl(['dsaparam', '-out', join(dir, 'params.pem'), '1024']);
      openssl(['gendsa', '-out', key, join(dir, 'params.pem')]);
    } else {
      openssl(['genrsa', '-out', key, '2048']);
    }
    openssl([
      'req',
      '-new',
      '-x509',
      '-key',
      key,
      '-sha256',
      '-days',
      '3650',
      '-subj',
      subject,
      '-out',
      certFile,
    ]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    certFile,
    sign: (document) => {
      const input = join(dir, 'document.json');
      const output = join(dir, 'document.p7');
      writeFileSync(input, document);
      // -stream gives the BER indefinite-length encoding IMDS serves; -nocerts, as AWS does.
      openssl([
        'smime',
        '-sign',
        '-in',
        input,
        '-signer',
        certFile,
        '-inkey',
        key,
        '-md',
        digest,
        '-nodetach',
        '-nocerts',
        '-binary',
        '-stream',
        '-outform',
        'PEM',
        '-out',
        output,
      ]);
      return readFileSync(output, 'utf8')
        .replace(/-----(BEGIN|END) PKCS7-----/g, '')
        .trim();
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new KilnError(
      'KILN_ERR_MISSING_TOOL',
      `openssl ${args[0]} failed${stderr ? `: ${stderr.split('\n')[0]}` : ' (is openssl installed?)'}`,
      {
        cause: error,
      },
    );
  }
}
