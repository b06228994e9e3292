/**
 * Packer's `-machine-readable` output: one record per line, `timestamp,target,type,data...`,
 * commas inside data escaped as `%!(PACKER_COMMA)`, newlines and carriage returns as the two
 * characters `\n` and `\r`. https://developer.hashicorp.com/packer/docs/commands#machine-readable-output
 */

/** One parsed record. */
export interface MachineRecord {
  /** Unix seconds, as Packer wrote it. */
  timestamp: number;
  /** The build name (e.g. `null.img`), empty for messages about the whole run. */
  target: string;
  /** `ui`, `artifact`, `artifact-count`, `error`, `error-count`, `version`, … */
  type: string;
  /** The data fields, unescaped. */
  data: string[];
}

/** Parses one line; undefined for lines that are not records (blank, or stray stderr). */
export function parseMachineReadableLine(line: string): MachineRecord | undefined {
  const fields = line.replace(/\r?\n$/, '').split(',');
  if (fields.length < 3) return undefined;
  const [timestamp, target, type, ...data] = fields as [string, string, string, ...string[]];
  if (!/^\d+$/.test(timestamp) || type === '') return undefined;
  return { timestamp: Number(timestamp), target, type, data: data.map(unescapeField) };
}

/** Undoes Packer's escaping of one data field. */
export function unescapeField(field: string): string {
  return field.replaceAll('%!(PACKER_COMMA)', ',').replaceAll('\\n', '\n').replaceAll('\\r', '\r');
}

/** A UI message (`ui,say|message|error,text`) split into lines, or undefined for other records. */
export function uiMessage(record: MachineRecord): { level: string; lines: string[] } | undefined {
  if (record.type !== 'ui') return undefined;
  const [level = '', ...rest] = record.data;
  return { level, lines: rest.join(',').split('\n') };
}

/** One artifact a build produced, assembled from `artifact,N,<field>,<value>` records. */
export interface PackerArtifact {
  build: string;
  index: number;
  builderId?: string;
  /** The artifact id, e.g. `us-east-1:ami-0abc…` for amazon-ebs, `Null` for the null builder. */
  id?: string;
  description?: string;
}

/** Folds an artifact record into the list (mutates and returns it); other records pass through. */
export function collectArtifact(artifacts: PackerArtifact[], record: MachineRecord): PackerArtifact[] {
  if (record.type !== 'artifact') return artifacts;
  const [indexText, field, ...value] = record.data;
  const index = Number(indexText);
  if (!Number.isInteger(index) || field === undefined) return artifacts;
  let artifact = artifacts.find((a) => a.build === record.target && a.index === index);
  if (!artifact) {
    artifact = { build: record.target, index };
    artifacts.push(artifact);
  }
  const text = value.join(',');
  if (field === 'id') artifact.id = text;
  else if (field === 'builder-id') artifact.builderId = text;
  else if (field === 'string') artifact.description = text;
  return artifacts;
}

/** The ids of artifacts: one per comma-separated region for multi-region AMIs (`r1:ami-1,r2:ami-2`). */
export function artifactIds(artifacts: readonly PackerArtifact[]): string[] {
  return artifacts.flatMap((a) => (a.id ? a.id.split(',').filter((id) => id !== '') : []));
}
