// The assessment page: show the server's proposed score as the unit types, N/A switches, the evidence dialog.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-proposal-url]").forEach((input) => {
    const target = document.getElementById(input.dataset.proposalTarget);
    const selfInput = document.getElementById(input.dataset.selfInput);
    let timer;
    const update = async () => {
      const url = `${input.dataset.proposalUrl}?declared_value=${encodeURIComponent(input.value)}`;
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const data = await response.json();
      target.textContent = data.error || data.proposal || "—";
      target.classList.toggle("text-danger", Boolean(data.error));
      // The self score follows the proposal until the person types their own.
      if (data.proposal && selfInput && (selfInput.value === "" || selfInput.dataset.fromProposal === "1")) {
        selfInput.value = data.proposal;
        selfInput.dataset.fromProposal = "1";
      }
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(update, 250);
    });
    input.addEventListener("change", update);
    if (input.value !== "") update();
  });

  document.querySelectorAll("[data-self-points]").forEach((input) => {
    input.addEventListener("input", () => { input.dataset.fromProposal = "0"; });
  });

  document.querySelectorAll("[data-na-toggle]").forEach((box) => {
    const leaf = box.closest("[data-leaf]");
    const apply = () => {
      leaf.querySelectorAll("[data-scoring-input]").forEach((field) => { field.disabled = box.checked; });
      const reason = leaf.querySelector("[data-na-reason]");
      if (reason) reason.classList.toggle("d-none", !box.checked);
    };
    box.addEventListener("change", apply);
    apply();
  });

  const modal = document.getElementById("evidence-modal");
  if (modal) {
    modal.addEventListener("show.bs.modal", (event) => {
      const button = event.relatedTarget;
      modal.querySelectorAll("[data-evidence-form]").forEach((form) => { form.action = button.dataset.action; });
      modal.querySelector("[data-leaf-title]").textContent = button.dataset.leaf;
    });
  }
});
