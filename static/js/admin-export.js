// The admin export page: the "select all" box ticks or clears every column (no inline handler, for the CSP).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input.select-toggle").forEach((toggle) => {
    toggle.addEventListener("change", () => {
      document.querySelectorAll('.selectable-field-export-row input[type="checkbox"]').forEach((checkbox) => {
        checkbox.checked = toggle.checked;
      });
    });
  });
});
