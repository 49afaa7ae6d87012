// Users (admins only): create people, change their role, disable them.
import { get, patch, post, type Items, type Role, type User } from "../api";
import { formatTime, h, replace } from "../dom";
import { busy, errorBanner, field, flash, formAlert, input, select, showErrors, values } from "../forms";
import { isAdmin, user } from "../session";

const ROLES: { value: Role; text: string }[] = [
  { value: "viewer", text: "viewer" },
  { value: "manager", text: "manager" },
  { value: "admin", text: "admin" },
];
const ROLE_HINT = "Viewers read everything; managers also run campaigns, trunks, prompts and lists; admins also manage users.";

export async function usersView(main: HTMLElement) {
  if (!isAdmin()) {
    replace(main, h("h1", { tabindex: "-1" }, "Users"), h("p", null, "Only admins manage users."));
    return;
  }
  let users = (await get<Items<User>>("/users")).items;
  const tableBox = h("div", { class: "table-wrap" });
  const tableError = h("div");

  async function reload(): Promise<void> {
    users = (await get<Items<User>>("/users")).items;
    renderTable();
  }

  async function change(target: User, body: Partial<User>, control: HTMLElement, done: string): Promise<void> {
    replace(tableError);
    try {
      await busy(control instanceof HTMLButtonElement ? control : null, () => patch<User>(`/users/${target.id}`, body));
      flash(done);
      await reload();
    } catch (error) {
      errorBanner(tableError, error);
      await reload();
    }
  }

  function renderTable(): void {
    replace(
      tableBox,
      h(
        "table",
        { "data-testid": "users" },
        h("thead", null, h("tr", null, ["Email", "Name", "Role", "State", "Created", "Actions"].map((text) => h("th", { scope: "col" }, text)))),
        h(
          "tbody",
          null,
          users.map((target) => {
            const roleSelect = select("role", ROLES.map((role) => ({ value: role.value, text: role.value })), target.role, { "aria-label": `Role of ${target.email}` });
            roleSelect.addEventListener("change", () => change(target, { role: roleSelect.value as Role }, roleSelect, `${target.email} is now ${roleSelect.value}.`));
            const self = user()?.id === target.id;
            return h(
              "tr",
              null,
              h("th", { scope: "row" }, target.email, self ? " (you)" : ""),
              h("td", null, target.display_name ?? ""),
              h("td", null, roleSelect),
              h("td", null, h("span", { class: `badge ${target.disabled ? "off" : "on"}` }, target.disabled ? "disabled" : "active")),
              h("td", null, formatTime(target.created_at)),
              h(
                "td",
                null,
                self
                  ? null
                  : h(
                      "button",
                      { type: "button", class: target.disabled ? "" : "danger", onclick: (event: Event) => change(target, { disabled: !target.disabled }, event.currentTarget as HTMLElement, `${target.email} ${target.disabled ? "enabled" : "disabled"}.`) },
                      target.disabled ? "Enable" : "Disable",
                      h("span", { class: "visually-hidden" }, ` ${target.email}`),
                    ),
              ),
            );
          }),
        ),
      ),
    );
  }

  const submit = h("button", { type: "submit", class: "primary" }, "Create user");
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    h(
      "div",
      { class: "row" },
      field("Email", input("email", { type: "email", required: true, autocomplete: "off" })),
      field("Name", input("display_name", { autocomplete: "off" })),
      field("Password", input("password", { type: "password", required: true, autocomplete: "new-password" }), "They can change it later."),
      field("Role", select("role", ROLES, "manager"), ROLE_HINT),
    ),
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = values(form);
    try {
      const created = await busy(submit, () => post<User>("/users", { email: data.email, password: (form.elements.namedItem("password") as HTMLInputElement).value, role: data.role, display_name: data.display_name || null }));
      flash(`${created.email} created.`);
      form.reset();
      await reload();
    } catch (error) {
      showErrors(form, error);
    }
  });

  renderTable();
  replace(
    main,
    h("h1", { tabindex: "-1" }, "Users"),
    h("section", { class: "card", "aria-label": "Users" }, tableError, tableBox),
    h("section", { class: "card", "aria-labelledby": "new-user-title" }, h("h2", { id: "new-user-title" }, "New user"), form),
  );
}
