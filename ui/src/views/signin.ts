// Sign-in: email and password; keeps the answer's CSRF token in memory.
import { post, type LoginResponse, type User } from "../api";
import { h, replace } from "../dom";
import { busy, field, formAlert, input, showErrors } from "../forms";

export function signInView(app: HTMLElement, signedIn: (user: User, csrf: string) => void): void {
  const email = input("email", { type: "email", autocomplete: "username", required: true });
  const password = input("password", { type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h(
    "form",
    { class: "card signin", novalidate: true },
    h("h1", { tabindex: "-1" }, "Sign in to Herald"),
    formAlert(),
    field("Email", email),
    field("Password", password),
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const answer = await busy(submit, () =>
        post<LoginResponse>("/auth/login", { email: email.value.trim(), password: password.value }),
      );
      signedIn(answer.user, answer.csrf_token);
    } catch (error) {
      showErrors(form, error);
      password.select();
    }
  });
  replace(app, h("main", { id: "main", class: "signin-page" }, form));
  email.focus();
}
