/**
 * Node flags every app process runs with (start.sh, bench, chaos, failover; the Kubernetes ConfigMap too).
 * V8 sizes its heap for the machine, not the app: under load the heap grew to 250+ MiB of mostly garbage and
 * RSS to 400–500 MiB. The apps' live data is a few tens of MiB, so a 128 MiB old space and 8 MiB semi-spaces
 * keep RSS under 200 MiB at no visible CPU cost. Overridable with APP_NODE_OPTIONS.
 */
export const APP_NODE_OPTIONS =
  process.env.APP_NODE_OPTIONS ?? '--max-old-space-size=128 --max-semi-space-size=8';
