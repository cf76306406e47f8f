/** The run's reports (one tarball per instance and phase that sent one), each downloadable. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { RunReport } from '../../../proto/gen/es/slipstream/v1/runs_pb.js';
import { api } from '../api/clients.js';
import { problemOf, type ApiProblem } from '../api/errors.js';
import { formatTime } from '../components/format.js';
import { ProblemBanner } from '../components/problem.js';
import { saveReport } from './report-download.js';

export interface ReportsPanelProps {
  runId: string;
  /** Changes when the reports may have changed (the run's state): the list is read again. */
  refreshKey: string;
}

const keyOf = (r: RunReport) => `${r.instance}/${r.name}`;

export function ReportsPanel({ runId, refreshKey }: ReportsPanelProps) {
  const [reports, setReports] = useState<RunReport[]>();
  const [problem, setProblem] = useState<ApiProblem>();
  const [asked, setAsked] = useState(0);
  const [progress, setProgress] = useState<{ key: string; bytes: number }>();
  const downloads = useRef(new AbortController());

  useEffect(() => {
    const stop = new AbortController();
    api.runs.listRunReports({ id: runId }, { signal: stop.signal }).then(
      (res) => {
        setReports(res.reports);
        setProblem(undefined);
      },
      (err: unknown) => {
        if (!stop.signal.aborted) setProblem(problemOf(err));
      },
    );
    return () => stop.abort();
  }, [runId, refreshKey, asked]);

  useEffect(() => () => downloads.current.abort(), []);

  const download = async (report: RunReport) => {
    const key = keyOf(report);
    setProblem(undefined);
    setProgress({ key, bytes: 0 });
    try {
      await saveReport(runId, report, (bytes) => setProgress({ key, bytes }), downloads.current.signal);
    } catch (err) {
      if (!downloads.current.signal.aborted) setProblem(problemOf(err));
    } finally {
      setProgress(undefined);
    }
  };

  return (
    <div class="reports">
      <div class="toolbar">
        <span class="muted">{reports === undefined ? 'Reading the reports…' : `${reports.length} reports`}</span>
        <button type="button" onClick={() => setAsked((n) => n + 1)}>
          Reload
        </button>
      </div>
      <ProblemBanner problem={problem} />
      {reports && reports.length > 0 && (
        <div class="table-scroll">
          <table data-testid="reports">
            <thead>
              <tr>
                <th scope="col">Instance</th>
                <th scope="col">Name</th>
                <th scope="col">Size</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span class="visually-hidden">Download</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {reports.map((report) => {
                const key = keyOf(report);
                const busy = progress?.key === key;
                return (
                  <tr key={key} data-report={key} data-size={String(report.sizeBytes)}>
                    <td>{report.instance}</td>
                    <td class="mono">{report.name}</td>
                    <td class="nowrap">{formatBytes(Number(report.sizeBytes))}</td>
                    <td class="nowrap">{formatTime(report.createdAt)}</td>
                    <td>
                      <button type="button" disabled={progress !== undefined} aria-busy={busy} onClick={() => void download(report)}>
                        {busy ? `Downloading… ${formatBytes(progress.bytes)}` : 'Download'}
                        <span class="visually-hidden"> {key}</span>
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
