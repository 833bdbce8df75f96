// The progress page of a background import (issue 14): while the import waits or runs, ask the server for its
// state every few seconds and show the rows processed; once it is over, reload the page for its summary or its
// problems. The state lives in the database, so a reload (or another node) shows the same. No inline script.
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("import-progress");
  if (!root || root.dataset.finished === "true") {
    return;
  }
  const state = root.querySelector('[data-testid="import-state"]');
  const rows = root.querySelector('[data-testid="import-rows"]');
  const bar = root.querySelector("progress.import-bar");
  const every = Number(root.dataset.pollSeconds || "3") * 1000;
  let shownState = root.dataset.state;

  const poll = async () => {
    try {
      const response = await fetch(root.dataset.statusUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) {
        return;
      }
      const status = await response.json();
      if (status.finished || status.state !== shownState) {
        window.location.reload();
        return;
      }
      shownState = status.state;
      state.textContent = status.state_label;
      rows.textContent = status.rows_text;
      bar.value = status.percent;
      bar.textContent = String(status.percent);
    } catch (error) {
      // the network or the server is away for a moment: the next poll tries again
    }
  };
  window.setInterval(poll, every);
});
