// Passkey sign-in and management for the hosted pages, on the /api/v1/passkeys endpoints.
// The pages carry no inline script because the Content-Security-Policy allows only
// script-src 'self'. The body's data-page attribute selects which page to set up.
"use strict";

(function () {
  // The token pair lives in sessionStorage, so it ends with the browser tab.
  // NOTE: a stopgap until the hosted login pages keep the login in a server-side session;
  // a script injected into this origin could read these tokens.
  const TOKEN_KEY = "plinto.tokens";

  function base64urlToBuffer(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const binary = atob(padded);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function bufferToBase64url(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // WebAuthn's JSON encoding carries binary fields as base64url; the browser API needs buffers.
  function creationOptionsFromJSON(json) {
    const options = Object.assign({}, json);
    options.challenge = base64urlToBuffer(json.challenge);
    options.user = Object.assign({}, json.user, { id: base64urlToBuffer(json.user.id) });
    options.excludeCredentials = (json.excludeCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: base64urlToBuffer(c.id) });
    });
    return options;
  }

  function requestOptionsFromJSON(json) {
    const options = Object.assign({}, json);
    options.challenge = base64urlToBuffer(json.challenge);
    options.allowCredentials = (json.allowCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: base64urlToBuffer(c.id) });
    });
    return options;
  }

  function credentialToJSON(credential) {
    if (typeof credential.toJSON === "function") return credential.toJSON();
    const response = credential.response;
    const json = {
      id: credential.id,
      rawId: bufferToBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: bufferToBase64url(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      json.response.attestationObject = bufferToBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = bufferToBase64url(response.authenticatorData);
      json.response.signature = bufferToBase64url(response.signature);
      if (response.userHandle) json.response.userHandle = bufferToBase64url(response.userHandle);
    }
    return json;
  }

  function showStatus(message, isError) {
    const status = document.getElementById("status");
    status.textContent = message;
    status.classList.toggle("error", Boolean(isError));
  }

  function loadTokens() {
    const stored = sessionStorage.getItem(TOKEN_KEY);
    return stored ? JSON.parse(stored) : null;
  }

  function saveTokens(tokens) {
    sessionStorage.setItem(TOKEN_KEY, JSON.stringify(tokens));
  }

  // Sends a JSON request; resolves with the parsed body, rejects with the problem detail.
  async function api(method, path, body) {
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    const tokens = loadTokens();
    if (tokens) headers.Authorization = "Bearer " + tokens.access_token;
    const response = await fetch("/api/v1/" + path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
    });
    if (response.status === 204) return null;
    const data = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      const error = new Error(data.detail || "The request failed with status " + response.status + ".");
      error.code = data.code;
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function describeError(error) {
    if (error.name === "NotAllowedError") {
      return "The passkey request was cancelled or not allowed; try again.";
    }
    if (error.name === "InvalidStateError") {
      return "This authenticator already holds a passkey for your account.";
    }
    return error.message;
  }

  // ---- /passkeys/login ----

  async function signIn(mediation, signal) {
    const options = await api("POST", "passkeys/authenticate/options", {});
    const request = { publicKey: requestOptionsFromJSON(options.public_key), signal: signal };
    if (mediation) request.mediation = mediation;
    const credential = await navigator.credentials.get(request);
    const body = await api("POST", "passkeys/authenticate", { credential: credentialToJSON(credential) });
    if (body.mfa_required) {
      showStatus("Your organization asks for another factor; finish signing in on the login page.", true);
      return;
    }
    saveTokens(body);
    window.location.assign("/passkeys/manage");
  }

  async function setUpLoginPage() {
    if (!window.PublicKeyCredential) {
      document.getElementById("unsupported").hidden = false;
      document.getElementById("passkey-button").disabled = true;
      return;
    }
    let conditional = null;

    // Conditional mediation: the browser offers passkeys in the username field's autofill and
    // resolves this request once the user picks one.
    if (PublicKeyCredential.isConditionalMediationAvailable &&
        (await PublicKeyCredential.isConditionalMediationAvailable())) {
      conditional = new AbortController();
      signIn("conditional", conditional.signal).catch(function (error) {
        if (error.name !== "AbortError") showStatus(describeError(error), true);
      });
    }

    document.getElementById("passkey-login").addEventListener("submit", function (event) {
      event.preventDefault();
      // Only one WebAuthn request may be pending, so the autofill request ends first.
      if (conditional) conditional.abort();
      conditional = null;
      showStatus("Waiting for your passkey…");
      signIn(null).catch(function (error) { showStatus(describeError(error), true); });
    });
  }

  // ---- /passkeys/manage ----

  function renderPasskeys(passkeys) {
    const list = document.getElementById("passkey-list");
    list.replaceChildren();
    document.getElementById("no-passkeys").hidden = passkeys.length > 0;
    passkeys.forEach(function (passkey) {
      const item = document.createElement("li");
      item.dataset.passkeyId = passkey.id;
      const name = document.createElement("strong");
      name.className = "passkey-name";
      name.textContent = passkey.name;
      const details = document.createElement("div");
      const lastUsed = passkey.last_used_at ? new Date(passkey.last_used_at).toLocaleString() : "never";
      details.textContent = "Added " + new Date(passkey.created_at).toLocaleString() + ", last used " + lastUsed;
      const rename = document.createElement("button");
      rename.type = "button";
      rename.className = "rename";
      rename.textContent = "Rename";
      rename.addEventListener("click", function () { renamePasskey(passkey); });
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "remove";
      remove.textContent = "Remove";
      remove.addEventListener("click", function () { removePasskey(passkey); });
      item.append(name, details, rename, remove);
      list.append(item);
    });
  }

  async function refreshList() {
    renderPasskeys(await api("GET", "passkeys"));
  }

  async function renamePasskey(passkey) {
    const name = window.prompt("New name for this passkey", passkey.name);
    if (!name) return;
    try {
      await api("PATCH", "passkeys/" + passkey.id, { name: name });
      await refreshList();
      showStatus("The passkey was renamed.");
    } catch (error) {
      showStatus(describeError(error), true);
    }
  }

  async function removePasskey(passkey) {
    if (!window.confirm("Remove the passkey " + passkey.name + "?")) return;
    try {
      await api("DELETE", "passkeys/" + passkey.id);
      await refreshList();
      showStatus("The passkey was removed.");
    } catch (error) {
      handleAccountError(error);
    }
  }

  async function addPasskey(event) {
    event.preventDefault();
    try {
      const options = await api("POST", "passkeys/register/options", {});
      const credential = await navigator.credentials.create({ publicKey: creationOptionsFromJSON(options.public_key) });
      const name = document.getElementById("passkey-name").value.trim();
      await api("POST", "passkeys/register", { credential: credentialToJSON(credential), name: name });
      document.getElementById("passkey-name").value = "";
      await refreshList();
      showStatus("The passkey was added.");
    } catch (error) {
      handleAccountError(error);
    }
  }

  function handleAccountError(error) {
    if (error.code === "reauthentication_required" || error.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      showPasswordLogin();
    }
    showStatus(describeError(error), true);
  }

  function showPasswordLogin() {
    document.getElementById("account").hidden = true;
    document.getElementById("password-login").hidden = false;
  }

  async function showAccount() {
    document.getElementById("password-login").hidden = true;
    document.getElementById("account").hidden = false;
    try {
      await refreshList();
    } catch (error) {
      handleAccountError(error);
    }
  }

  async function logInWithPassword(event) {
    event.preventDefault();
    try {
      const body = await api("POST", "auth/login", {
        email: document.getElementById("email").value,
        password: document.getElementById("password").value,
      });
      if (body.mfa_required) {
        showStatus("Your account needs a second factor; log in on the login page.", true);
        return;
      }
      saveTokens(body);
      document.getElementById("password").value = "";
      showStatus("");
      await showAccount();
    } catch (error) {
      showStatus(describeError(error), true);
    }
  }

  async function logOut() {
    try {
      await api("POST", "auth/logout", {});
    } catch (error) {
      // The session may already have ended; the local tokens go either way.
    }
    sessionStorage.removeItem(TOKEN_KEY);
    window.location.assign("/passkeys/login");
  }

  function setUpManagePage() {
    document.getElementById("password-form").addEventListener("submit", logInWithPassword);
    document.getElementById("add-form").addEventListener("submit", addPasskey);
    document.getElementById("logout").addEventListener("click", logOut);
    if (loadTokens()) {
      showAccount();
    } else {
      showPasswordLogin();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    const page = document.body.dataset.page;
    if (page === "login") setUpLoginPage();
    if (page === "manage") setUpManagePage();
  });
})();
