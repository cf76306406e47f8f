/**
 * How many reports, and how many bytes of them, one node instance may keep
 * on the controller's disk: a VM chooses what it uploads, so without a quota
 * one compromised VM could fill the data dir. Counted over the instance's
 * stored reports plus its uploads in flight; a report uploaded again under
 * its name replaces the stored one and counts once.
 */
import { KeyedLock } from '../../concurrency/keyed-lock.js';
import { ResourceExhaustedError, UnavailableError } from '../../../common/errors.js';

/** The per-instance limits. */
export interface ReportQuotaLimits {
  /** Distinct report names an instance may keep. */
  readonly maxCount: number;
  /** Total bytes of an instance's reports (one report may use all of it). */
  readonly maxBytes: number;
}

/** 16 reports and 256 MiB per instance: an agent keeps one, `<instance>.tar.gz`, uploaded again (replaced) at each report phase. */
export const DEFAULT_REPORT_QUOTA: ReportQuotaLimits = Object.freeze({ maxCount: 16, maxBytes: 256 * 1024 * 1024 });

/** Uploads of one instance that may stream at once (a retry may overlap the attempt it replaces). */
export const MAX_CONCURRENT_UPLOADS = 2;

/** When an upload refused for another one in flight may be tried again. */
const UPLOAD_RETRY_AFTER_MS = 1_000;

/** A report as stored: its name and size. */
export interface StoredReport {
  name: string;
  sizeBytes: number;
}

/** Which limit a refusal is about, for the message, the error's metadata and the run's event. */
export class ReportQuotaExceededError extends ResourceExhaustedError {
  constructor(
    message: string,
    readonly limit: 'report-max-count' | 'report-max-bytes',
    max: number,
  ) {
    super(message, { limit, max: String(max) });
  }
}

interface Upload {
  name: string;
  bytes: number;
}

/** One instance's reports while it uploads: stored sizes by name, and the uploads in flight. */
interface InstanceReports {
  stored: Map<string, number>;
  uploads: Set<Upload>;
}

/** Bytes the instance's reports hold with every upload in flight; a stored report being uploaded again counts as its upload. */
function usedBytes(reports: InstanceReports): number {
  const uploading = new Set([...reports.uploads].map((u) => u.name));
  let used = 0;
  for (const [name, size] of reports.stored) if (!uploading.has(name)) used += size;
  for (const upload of reports.uploads) used += upload.bytes;
  return used;
}

/**
 * The quota of every instance, with each one's uploads in flight (this
 * controller is the only one that stores reports). Starting an upload and
 * storing one are serialized per instance, so that each start sees every
 * other upload either stored or in flight.
 */
export class ReportQuotas {
  private readonly instances = new Map<string, InstanceReports>();
  private readonly lock = new KeyedLock();

  constructor(readonly limits: ReportQuotaLimits) {}

  /**
   * Starts an upload of report `name` by `instance` of run `runId`, whose
   * stored reports `stored` reads; rejects with ReportQuotaExceededError when
   * a new name would pass the count, or UnavailableError (with a retry
   * delay) when too many uploads of the instance are streaming.
   */
  begin(runId: string, instance: string, name: string, stored: () => Promise<readonly StoredReport[]>): Promise<ReportUpload> {
    const key = `${runId}/${instance}`;
    return this.lock.run(key, async () => {
      const rows = await stored();
      const reports = this.instances.get(key) ?? { stored: new Map<string, number>(), uploads: new Set<Upload>() };
      // Passing, unlike the quota: the agent retries after the hint.
      if (reports.uploads.size >= MAX_CONCURRENT_UPLOADS) {
        throw new UnavailableError(`${instance} is already uploading ${reports.uploads.size} reports; at most ${MAX_CONCURRENT_UPLOADS} at once`, UPLOAD_RETRY_AFTER_MS);
      }
      reports.stored = new Map(rows.map((r) => [r.name, r.sizeBytes]));
      const names = new Set([...reports.stored.keys(), ...[...reports.uploads].map((u) => u.name), name]);
      if (names.size > this.limits.maxCount) {
        throw new ReportQuotaExceededError(
          `report quota exceeded: ${instance} keeps at most ${this.limits.maxCount} reports (report-max-count), and '${name}' would be one more`,
          'report-max-count',
          this.limits.maxCount,
        );
      }
      const upload: Upload = { name, bytes: 0 };
      reports.uploads.add(upload);
      this.instances.set(key, reports);
      return new ReportUpload({
        instance,
        upload,
        maxBytes: this.limits.maxBytes,
        used: () => usedBytes(reports),
        stored: () => reports.stored.set(name, upload.bytes),
        release: () => {
          reports.uploads.delete(upload);
          if (reports.uploads.size === 0 && this.instances.get(key) === reports) this.instances.delete(key);
        },
        lock: (work) => this.lock.run(key, work),
      });
    });
  }
}

interface UploadParts {
  instance: string;
  upload: Upload;
  maxBytes: number;
  /** Bytes the instance's reports would hold with every upload in flight. */
  used: () => number;
  /** Records the upload as stored, for the other uploads in flight. */
  stored: () => void;
  release: () => void;
  lock: <T>(work: () => Promise<T>) => Promise<T>;
}

/** One upload's share of its instance's quota: `store` it, or `end` it however else the upload ends. */
export class ReportUpload {
  private ended = false;

  constructor(private readonly parts: UploadParts) {}

  /** Bytes received so far. */
  get bytes(): number {
    return this.parts.upload.bytes;
  }

  /** Counts `bytes` more; throws ReportQuotaExceededError when the instance's reports would pass the byte quota. */
  add(bytes: number): void {
    const { upload, used, maxBytes, instance } = this.parts;
    upload.bytes += bytes;
    if (used() > maxBytes) {
      throw new ReportQuotaExceededError(
        `report quota exceeded: ${instance}'s reports may hold at most ${maxBytes} bytes (report-max-bytes), and '${upload.name}' would pass it`,
        'report-max-bytes',
        maxBytes,
      );
    }
  }

  /** Stores the report with `store`, then gives the upload's share back: from then on it counts as stored. */
  store<T>(store: () => Promise<T>): Promise<T> {
    return this.parts.lock(async () => {
      try {
        const result = await store();
        this.parts.stored();
        return result;
      } finally {
        this.end();
      }
    });
  }

  /** Gives the upload's share back. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.parts.release();
  }
}
