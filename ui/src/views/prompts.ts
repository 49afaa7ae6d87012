// Prompts: the recordings played to people who answer; upload and listen.
import { api, API, del, get, type Items, type Prompt } from "../api";
import { formatTime, h, replace } from "../dom";
import { busy, errorBanner, field, flash, formAlert, input, showErrors } from "../forms";
import { canWrite } from "../session";

const TYPES: Record<string, string> = { wav: "audio/wav", mp3: "audio/mpeg", ogg: "audio/ogg", oga: "audio/ogg", flac: "audio/flac" };

function contentType(file: File): string {
  const extension = file.name.split(".").pop()?.toLowerCase() ?? "";
  return TYPES[extension] ?? (file.type || "application/octet-stream");
}

export async function promptsView(main: HTMLElement) {
  let prompts = (await get<Items<Prompt>>("/prompts")).items;
  const listBox = h("div");
  const listError = h("div");

  async function reload(): Promise<void> {
    prompts = (await get<Items<Prompt>>("/prompts")).items;
    renderList();
  }

  function renderList(): void {
    if (!prompts.length) {
      replace(listBox, h("p", { class: "muted" }, "No prompts yet."));
      return;
    }
    replace(
      listBox,
      h(
        "ul",
        { class: "prompt-list", "data-testid": "prompts" },
        prompts.map((prompt) =>
          h(
            "li",
            { class: "card prompt", "data-prompt": prompt.id },
            h("h3", null, prompt.name),
            h("p", { class: "hint" }, `${prompt.filename} · ${prompt.content_type} · ${(prompt.duration_ms / 1000).toFixed(1)} s · added ${formatTime(prompt.created_at)}`),
            h("audio", { controls: true, preload: "metadata", src: `${API}/prompts/${prompt.id}/audio`, "aria-label": `Play ${prompt.name}` }),
            canWrite()
              ? h("button", { type: "button", class: "danger", onclick: (event: Event) => remove(prompt, event.currentTarget as HTMLButtonElement) }, "Delete", h("span", { class: "visually-hidden" }, ` ${prompt.name}`))
              : null,
          ),
        ),
      ),
    );
  }

  async function remove(prompt: Prompt, button: HTMLButtonElement): Promise<void> {
    if (!window.confirm(`Delete the prompt “${prompt.name}”?`)) return;
    replace(listError);
    try {
      await busy(button, () => del(`/prompts/${prompt.id}`));
      flash(`Prompt “${prompt.name}” deleted.`);
      await reload();
    } catch (error) {
      errorBanner(listError, error);
    }
  }

  function uploadForm(): HTMLElement {
    const name = input("name", { required: true, autocomplete: "off" });
    const file = input("file", { type: "file", accept: ".wav,.mp3,.ogg,.oga,.flac,audio/*", required: true });
    const submit = h("button", { type: "submit", class: "primary" }, "Upload prompt");
    const form = h("form", { class: "form", novalidate: true }, formAlert(), h("div", { class: "row" }, field("Name", name), field("Audio file", file, "WAV, MP3, OGG or FLAC. Herald converts it for the phone network.")), h("div", { class: "actions" }, submit));
    file.addEventListener("change", () => {
      const chosen = file.files?.[0];
      if (chosen && !name.value) name.value = chosen.name.replace(/\.[^.]+$/, "");
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = file.files?.[0];
      if (!chosen) {
        showErrors(form, Object.assign(new Error("Choose an audio file."), {}));
        return;
      }
      const query = new URLSearchParams({ name: name.value.trim() || chosen.name, filename: chosen.name });
      try {
        const created = await busy(submit, () => api<Prompt>("POST", `/prompts?${query}`, chosen, contentType(chosen)));
        flash(`Prompt “${created.name}” uploaded (${(created.duration_ms / 1000).toFixed(1)} s).`);
        form.reset();
        await reload();
      } catch (error) {
        showErrors(form, error);
      }
    });
    return form;
  }

  renderList();
  replace(
    main,
    h("h1", { tabindex: "-1" }, "Prompts"),
    canWrite() ? h("section", { class: "card", "aria-labelledby": "upload-title" }, h("h2", { id: "upload-title" }, "Upload a prompt"), uploadForm()) : null,
    h("section", { "aria-label": "Prompts" }, listError, listBox),
  );
}
