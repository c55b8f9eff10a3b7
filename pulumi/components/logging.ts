// Bounded container logs: the default json-file driver grows without limit and would fill the disk.
// Set explicitly so the daemon's defaults never show up as a diff.
export const containerLogs = {
  logDriver: "json-file",
  logOpts: { "max-size": "10m", "max-file": "3" },
};
