/**
 * The secret lint run before every bake: an image must never carry credentials (DESIGN.md,
 * principle 2), so templates, variables, playbooks and agent configs holding cloud access keys,
 * private keys, or passwords/tokens/secrets as plain values are refused with file and line.
 * Pure: the caller reads the files.
 */

/** A text file to lint. */
export interface LintFile {
  path: string;
  text: string;
}

/** One credential found. */
export interface SecretFinding {
  file: string;
  line: number;
  rule: 'cloud-access-key' | 'private-key' | 'plain-secret';
  /** What was found, with the secret itself masked. */
  detail: string;
}

const accessKey = /\b((?:AKIA|ASIA)[0-9A-Z]{16})\b/;
const privateKey = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----/;
/** `name: value`, `"name": "value"`, `name = "value"`, `name=value` with a secret-sounding name, at a line or object start. */
const assignment =
  /(?:^\s*(?:-\s+)?|[{,]\s*)["']?([A-Za-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)[A-Za-z0-9_.-]*)["']?\s*[:=]\s*(.*)$/i;
/** Comment lines (YAML, HCL, shell, INI, JS). */
const comment = /^\s*(#|\/\/|;)/;
/** Names that hold a reference to a secret (a path, a variable name, a parameter), not the secret. */
const referenceName = /(file|path|dir|env|name|source|url|parameter|arn|id|ttl|length|type|mode|header)$/i;

/** Lints the files; findings whose `file:line` or detail match an allowed pattern are dropped. */
export function lintSecrets(files: readonly LintFile[], allow: readonly string[] = []): SecretFinding[] {
  const allowed = allow.map((p) => new RegExp(p));
  const findings: SecretFinding[] = [];
  for (const file of files) {
    const lines = file.text.split('\n');
    lines.forEach((text, index) => {
      const finding = lintLine(text);
      if (!finding) return;
      const full: SecretFinding = { file: file.path, line: index + 1, ...finding };
      const subject = `${full.file}:${full.line} ${full.rule} ${text.trim()}`;
      if (!allowed.some((re) => re.test(subject))) findings.push(full);
    });
  }
  return findings;
}

function lintLine(text: string): Pick<SecretFinding, 'rule' | 'detail'> | undefined {
  const key = accessKey.exec(text);
  if (key) return { rule: 'cloud-access-key', detail: `cloud access key id ${mask(key[1]!)}` };
  const pem = privateKey.exec(text);
  if (pem) return { rule: 'private-key', detail: `${pem[1] ?? ''}private key block`.trim() };
  if (comment.test(text)) return undefined;
  const assigned = assignment.exec(text);
  if (!assigned) return undefined;
  const name = assigned[1]!;
  const value = literalValue(assigned[2]!);
  if (referenceName.test(name) || value === undefined) return undefined;
  return { rule: 'plain-secret', detail: `"${name}" holds a plain value (${mask(value)})` };
}

/** The literal value of an assignment, or undefined when it is empty, a reference or a structure. */
function literalValue(raw: string): string | undefined {
  const text = raw.trim();
  const quoted = /^(["'])(.*?)\1/.exec(text);
  const value = (quoted ? quoted[2]! : text.replace(/\s+#.*$/, '').replace(/[,;]$/, '')).trim();
  if (value === '' || (!quoted && /^[[{|>]/.test(value)) || /^(null|true|false|~|none)$/i.test(value))
    return undefined;
  // Template and vault references: {{ … }}, ${ … }, lookup(), var.x, !vault, env lookups.
  if (/\{\{|\$\{|^!vault|^var\.|^local\.|lookup\(|^env\(|^\$[A-Za-z_]/.test(value)) return undefined;
  if (/^[0-9]+$/.test(value)) return undefined;
  return value;
}

function mask(value: string): string {
  return value.length <= 4 ? '****' : `${value.slice(0, 4)}…`;
}

/** The one-line summary of findings for an error message (`file:line rule`, first few). */
export function summariseFindings(findings: readonly SecretFinding[], shown = 3): string {
  const listed = findings.slice(0, shown).map((f) => `${f.file}:${f.line}: ${f.detail}`);
  const more = findings.length > shown ? `; and ${findings.length - shown} more` : '';
  return listed.join('; ') + more;
}
