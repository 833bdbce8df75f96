// The summary page: after a refused submission the list of what is missing takes the focus (each item links to it).
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
