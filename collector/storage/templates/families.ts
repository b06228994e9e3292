/**
 * The mappings of each index family. Every family shares the ECS common fields and kiln's
 * identity fields, and adds its own under `kiln.<family>` (ECS has no place for them).
 */
import type { IndexFamily } from '../../../lib/indices.ts';
import {
  bool,
  date,
  ecsCommon,
  flattened,
  integer,
  ip,
  keyword,
  kilnIdentity,
  long,
  object,
  type Properties,
  storedOnly,
  text,
} from './ecs-fields.ts';
import { logFingerprint, logOffset, logsEcsOverrides } from './logs-cost.ts';

const logsKiln: Properties = {
  log: object({
    fingerprint: logFingerprint,
    truncated: bool,
    original_bytes: long,
    multiline: bool,
    lines: integer,
    invalid_utf8: bool,
    json: flattened,
    journal: keyword,
  }),
};

/**
 * What a journal entry carries (agent/sources/journald/event-builder.ts): ECS `log.syslog.*`,
 * `process.*`, Filebeat's `systemd.*`, and `journald.*`, with unknown journal fields in one
 * flattened field so an instance can never add mappings.
 */
const journaldLogFields: Properties = {
  systemd: object({
    unit: keyword,
    user_unit: keyword,
    slice: keyword,
    user_slice: keyword,
    cgroup: keyword,
    session: keyword,
    owner_uid: keyword,
    invocation_id: keyword,
    transport: keyword,
  }),
  process: object({
    pid: long,
    name: keyword,
    executable: keyword,
    command_line: keyword,
    capabilities: keyword,
    thread: object({ id: long }),
    user: object({ id: keyword }),
    group: object({ id: keyword }),
    audit: object({ session: keyword, login_uid: keyword }),
  }),
  journald: object({
    cursor: storedOnly,
    seqnum: long,
    seqnum_id: keyword,
    monotonic_us: long,
    machine_id: keyword,
    message_id: keyword,
    unit: keyword,
    user_unit: keyword,
    errno: integer,
    code: object({ file: keyword, func: keyword, line: integer }),
    kernel: object({ device: keyword, subsystem: keyword, device_name: keyword, device_node_path: keyword }),
    truncated_fields: keyword,
    custom: flattened,
  }),
};

const factsKiln: Properties = {
  facts: object({
    /** What the instance claimed beyond the identity its token attests (stamp.ts). */
    claimed: object({
      provider: keyword,
      region: keyword,
      availability_zone: keyword,
      account_id: keyword,
      instance_type: keyword,
      image_id: keyword,
      launch_time: date,
      bake_id: keyword,
    }),
    machine_id: keyword,
    cpus: integer,
    memory_bytes: long,
    macs: keyword,
    config_digest: keyword,
    baked: bool,
    lifecycle_state: keyword,
    spot_action: keyword,
    autoscaling_group: keyword,
  }),
  image: object({
    name: keyword,
    version: keyword,
    parent: keyword,
    built_at: date,
    git_revision: keyword,
    git_dirty: bool,
    baseline_digest: keyword,
    packages_digest: keyword,
    bake_key: keyword,
  }),
};

const driftKiln: Properties = {
  drift: object({
    change: keyword,
    category: keyword,
    /** critical | high | medium | low, set by the collector (lib/drift-severity.ts). */
    severity: keyword,
    path: keyword,
    attribute: keyword,
    before: keyword,
    after: keyword,
    detail: flattened,
  }),
};

const lifecycleKiln: Properties = {
  lifecycle: object({
    phase: keyword,
    reason: keyword,
    /** The shutdown's last report; `complete` and `sources` sum up the per-source ones. */
    final: bool,
    complete: bool,
    sources: integer,
    /** `autoscaling` or `spot`: the notice that caused a drain. */
    termination: keyword,
    target_state: keyword,
    spot_action: keyword,
    spot_time: date,
  }),
  completeness: object({
    file: keyword,
    bytes_shipped: long,
    file_size: long,
    journal: keyword,
    entries_read: long,
    entries_shipped: long,
    complete: bool,
  }),
};

const actionsKiln: Properties = {
  decision: object({
    id: keyword,
    outcome: keyword,
    trigger: keyword,
    reason: keyword,
    reason_text: text,
    action: keyword,
    policy: keyword,
    dry_run: bool,
    attempt: integer,
    order: integer,
    group: keyword,
    instance_age_ms: long,
    /** Image decisions (onBadImage, kiln images rollback): the image the groups go back to. */
    rollback_to: keyword,
    groups: keyword,
    silent_early: integer,
    launched: integer,
  }),
  action: object({
    exit_code: integer,
    output: storedOnly,
    status_code: integer,
    duration_ms: long,
    successor: keyword,
  }),
};

const deadletterKiln: Properties = {
  deadletter: object({ index: keyword, status: integer, truncated: bool, original_bytes: long }),
};

const auditKiln: Properties = {
  audit: object({ code: keyword, method: keyword, claimed_instance_id: keyword, enrollment_id: keyword }),
};

const registryKiln: Properties = {
  first_seen: date,
  last_seen: date,
  status: keyword,
  status_changed_at: date,
  status_reason: keyword,
  age_ms: long,
  group: keyword,
  role: keyword,
  agent_config_digest: keyword,
  image: object({ name: keyword, version: keyword }),
  drift: object({
    state: keyword,
    first_at: date,
    latest_at: date,
    count: long,
    latest_path: keyword,
    severity: keyword,
    first_at_by_severity: object({ critical: date, high: date, medium: date, low: date }),
    recent_ids: storedOnly,
    /** first_at minus boot_time, stored because the minimal cluster has no painless to compute it. */
    first_after_boot_ms: long,
  }),
  baked: bool,
  replacement: object({
    decision_id: keyword,
    requested_at: date,
    successor: keyword,
  }),
  shutdown: object({ at: date, complete: bool }),
  enrollment: object({ method: keyword, trust: keyword, enrolled_at: date, agent_id: keyword }),
  provenance: object({
    image_id: keyword,
    bake_id: keyword,
    host_name: keyword,
    account_id: keyword,
    region: keyword,
    availability_zone: keyword,
    instance_type: keyword,
    launch_time: keyword,
    autoscaling_group: keyword,
    boot_time: keyword,
  }),
  termination: object({
    state: keyword,
    kind: keyword,
    notice_at: date,
    report_at: date,
    complete: bool,
    claimed_by: keyword,
    claimed_at: date,
    trigger: keyword,
    group: keyword,
    hook: keyword,
    completed_at: date,
    error: text,
  }),
};

const bakesKiln: Properties = {
  bake: object({
    id: keyword,
    key: keyword,
    status: keyword,
    started_at: date,
    finished_at: date,
    duration_ms: long,
    template: keyword,
    playbook: keyword,
    source_image: keyword,
    parent_bake: keyword,
    artifacts: keyword,
    image_name: keyword,
    image_version: keyword,
    git_revision: keyword,
    git_dirty: bool,
    packer_version: keyword,
    ansible_version: keyword,
    agent_version: keyword,
    baseline_digest: keyword,
    packages_digest: keyword,
    failure_step: keyword,
    failure_task: keyword,
    failure_output: storedOnly,
    inputs: flattened,
    manifest: flattened,
    // The whole baseline (one key per file path): kept in _source, never mapped field by field.
    baseline: { type: 'object', enabled: false },
    marked_bad: object({ image_id: keyword, at: date, reason: text, decision_id: keyword }),
  }),
  /** A bad image (bake/store/es-marks.ts): one create-only document per image. */
  image_mark: object({
    image_id: keyword,
    state: keyword,
    reason: text,
    marked_at: date,
    decision_id: keyword,
    marked_by: keyword,
    rollback_to: keyword,
    rolled_back_at: date,
    groups: keyword,
    bake_ids: keyword,
  }),
};

const tokensKiln: Properties = {
  token: object({
    hash: keyword,
    type: keyword,
    created_at: date,
    expires_at: date,
    revoked: bool,
    revoked_at: date,
    revoked_reason: keyword,
    instance_id: keyword,
    enrollment_id: keyword,
    description: text,
    uses: long,
    scope: keyword,
    instance_ids: keyword,
    single_use: bool,
    used_by: keyword,
    method: keyword,
    secret_hash: storedOnly,
    current_token: keyword,
    enrolled_at: date,
    last_enrolled_at: date,
    reset_at: date,
  }),
  // The identity an instance token stands for: read whole by the collector, never searched.
  identity: { type: 'object', enabled: false },
};

const familyKiln: Record<IndexFamily, Properties> = {
  logs: logsKiln,
  facts: factsKiln,
  drift: driftKiln,
  lifecycle: lifecycleKiln,
  actions: actionsKiln,
  deadletter: deadletterKiln,
  audit: auditKiln,
  registry: registryKiln,
  bakes: bakesKiln,
  tokens: tokensKiln,
};

/** The full `properties` of a family's mapping. */
export function familyProperties(family: IndexFamily): Properties {
  const properties: Properties = {
    ...ecsCommon,
    kiln: object({ ...kilnIdentity, ...familyKiln[family] }),
  };
  if (family === 'logs') {
    Object.assign(properties, logsEcsOverrides());
    properties.log = object({
      file: object({ path: keyword }),
      offset: logOffset,
      level: keyword,
      logger: keyword,
      syslog: object({
        priority: integer,
        appname: keyword,
        procid: keyword,
        facility: object({ code: integer, name: keyword }),
        severity: object({ code: integer, name: keyword }),
      }),
    });
    Object.assign(properties, journaldLogFields);
  }
  if (family === 'audit') {
    properties.source = object({ ip: ip });
    properties.user = object({ name: keyword });
  }
  if (family === 'drift') {
    properties.file = object({ path: keyword });
    properties.package = object({ name: keyword, version: keyword, architecture: keyword });
  }
  return properties;
}
