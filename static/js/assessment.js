// The assessment page: the server's proposed score as the unit types, N/A switches, evidence added and removed
// without leaving the page (its errors inside the dialog), and a warning before leaving with unsaved changes.
// Without script every form still posts and the server answers with a page.
document.addEventListener("DOMContentLoaded", () => {
  const sectionForm = document.getElementById("section-form");
  const csrfToken = () => {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  };

  // A message in the page's message area (the one the server fills on a full page), read out by screen readers.
  const showMessage = (text, kind) => {
    let area = document.querySelector("main .messages");
    if (!area) {
      area = document.createElement("div");
      area.className = "messages";
      area.dataset.testid = "messages";
      document.querySelector("main").prepend(area);
    }
    area.setAttribute("aria-live", "polite");
    area.replaceChildren();
    const alert = document.createElement("div");
    alert.className = `alert alert-${kind} alert-dismissible fade show`;
    alert.setAttribute("role", kind === "danger" ? "alert" : "status");
    alert.append(text);
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.dataset.bsDismiss = "alert";
    close.setAttribute("aria-label", sectionForm ? sectionForm.dataset.closeLabel : "");
    alert.append(close);
    area.append(alert);
  };

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

  // After a refused save the list of errors at the top takes the focus: read first, each item links to its leaf.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // Unsaved changes: typed values are only kept by "Save this field"; leaving the page asks first.
  if (sectionForm) {
    // Dirty when an event says so, or when the values differ from those the page was drawn with (an event
    // can be missed: a value set by the browser or a script fires none).
    const values = () =>
      JSON.stringify(
        Array.from(new FormData(sectionForm).entries()).filter(([, value]) => typeof value === "string")
      );
    const drawn = values();
    let dirty = false;
    let leaving = false;
    const isDirty = () => !leaving && (dirty || values() !== drawn);
    const message = sectionForm.dataset.unsavedMessage;
    const markDirty = (event) => {
      if (event.target.closest("[data-evidence-form]")) return;
      dirty = true;
      sectionForm.dataset.unsaved = "true"; // for assistive styling and the browser tests
    };
    sectionForm.addEventListener("input", markDirty);
    sectionForm.addEventListener("change", markDirty);
    sectionForm.addEventListener("submit", (event) => {
      if (event.submitter && event.submitter.hasAttribute("data-evidence-remove")) return;
      leaving = true;
    });
    window.addEventListener("beforeunload", (event) => {
      if (!isDirty()) return;
      event.preventDefault();
      event.returnValue = message; // older browsers need a value; the browser shows its own text
    });
    // Links inside the page (the side menu, the summary, the navigation bar) say why before leaving.
    document.addEventListener("click", (event) => {
      const link = event.target.closest("a[href]");
      if (!link || event.defaultPrevented || !isDirty()) return;
      if (link.hasAttribute("download")) return; // a download does not leave the page
      const href = link.getAttribute("href");
      if (href.startsWith("#") || link.target === "_blank") return;
      if (window.confirm(message)) {
        leaving = true;
      } else {
        event.preventDefault();
      }
    });
  }

  // Evidence: add, attach and remove without reloading, so that nothing typed elsewhere on the page is lost.
  const replaceEvidence = (data) => {
    const block = document.getElementById(data.target);
    if (!block) return;
    const template = document.createElement("template");
    template.innerHTML = data.html.trim();
    const fresh = template.content.firstElementChild;
    // Said where the person is looking too, not only at the top of the page.
    const status = document.createElement("div");
    status.className = "small text-success mb-2";
    status.setAttribute("role", "status");
    status.textContent = data.message;
    fresh.querySelector("ul").after(status);
    block.replaceWith(fresh);
  };

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-evidence-remove]");
    if (!button) return;
    event.preventDefault();
    button.disabled = true;
    try {
      const response = await fetch(button.dataset.evidenceRemove, {
        method: "POST",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      replaceEvidence(data);
      showMessage(data.message, "success");
      const next = document.getElementById(data.target);
      const focusable = next && next.querySelector("[data-bs-target='#evidence-modal']");
      if (focusable) focusable.focus();
    } catch (error) {
      button.disabled = false;
      showMessage(sectionForm ? sectionForm.dataset.failedMessage : String(error), "danger");
    }
  });

  const modal = document.getElementById("evidence-modal");
  if (!modal) return;
  const errorBox = modal.querySelector("[data-dialog-errors]");
  const failed = sectionForm.dataset.failedMessage;
  let opener = null;

  const clearErrors = () => {
    errorBox.classList.add("d-none");
    errorBox.replaceChildren();
    modal.querySelectorAll("[data-js-error]").forEach((node) => node.remove());
    modal.querySelectorAll(".is-invalid").forEach((node) => node.classList.remove("is-invalid"));
  };

  const showErrors = (form, errors) => {
    clearErrors();
    const list = document.createElement("ul");
    list.className = "mb-0";
    Object.entries(errors).forEach(([name, messages]) => {
      const input = form.querySelector(`[name="${name}"]`);
      messages.forEach((text) => {
        const item = document.createElement("li");
        item.textContent = text;
        list.append(item);
        if (input) {
          const note = document.createElement("div");
          note.className = "invalid-feedback d-block";
          note.dataset.jsError = "1";
          note.textContent = text;
          input.after(note);
        }
      });
      if (input) input.classList.add("is-invalid");
    });
    errorBox.append(list);
    errorBox.classList.remove("d-none");
    errorBox.focus();
  };

  modal.addEventListener("show.bs.modal", (event) => {
    const button = event.relatedTarget;
    if (!button) return;
    opener = button;
    const forms = modal.querySelectorAll("[data-evidence-form]");
    if (modal.dataset.action !== button.dataset.action) {
      // Another leaf: a clean dialog. The same leaf again: what was typed is still there.
      forms.forEach((form) => form.reset());
      clearErrors();
    }
    modal.dataset.action = button.dataset.action;
    forms.forEach((form) => { form.action = button.dataset.action; });
    modal.querySelector("[data-leaf-title]").textContent = button.dataset.leaf;
  });

  modal.querySelectorAll("[data-evidence-form]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const submit = form.querySelector("[type=submit]");
      const label = submit.innerHTML;
      submit.disabled = true;
      if (submit.dataset.busyLabel) submit.textContent = submit.dataset.busyLabel;
      try {
        const response = await fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
          credentials: "same-origin",
        });
        const type = response.headers.get("Content-Type") || "";
        if (!type.includes("application/json")) throw new Error(String(response.status));
        const data = await response.json();
        if (!data.ok) {
          showErrors(form, data.errors);
          return;
        }
        replaceEvidence(data);
        modal.querySelectorAll("[data-evidence-form]").forEach((each) => each.reset());
        clearErrors();
        bootstrap.Modal.getOrCreateInstance(modal).hide();
        showMessage(data.message, "success");
        const block = document.getElementById(data.target);
        opener = block ? block.querySelector("[data-bs-target='#evidence-modal']") : opener;
      } catch (error) {
        showErrors(form, { __all__: [failed] });
      } finally {
        submit.disabled = false;
        submit.innerHTML = label;
      }
    });
  });

  // Keyboard users come back to the button that opened the dialog (or its replacement).
  modal.addEventListener("hidden.bs.modal", () => {
    if (opener && document.body.contains(opener)) opener.focus();
  });
});
