// Passkeys on the hosted pages: sign-in on /login, the second step on /login/mfa, and adding
// passkeys on /account/security. The pages carry no inline script because the
// Content-Security-Policy allows only script-src 'self'. Requests carry the session cookie and
// the page's CSRF token, so no API token reaches the page.
"use strict";

(function () {
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
    const status = document.getElementById("passkey-status");
    status.textContent = message;
    status.classList.toggle("error", Boolean(isError));
  }

  function csrfToken(container) {
    const field = container.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // Posts JSON to a same-origin page endpoint; resolves with the parsed body, rejects with its error.
  async function post(url, container, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken(container) },
      body: JSON.stringify(body || {}),
      credentials: "same-origin",
    });
    const data = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      const error = new Error(data.detail || "The request failed with status " + response.status + ".");
      error.code = data.code;
      error.redirect = data.redirect;
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

  // A step-up or an expired login comes back with the page to continue on.
  function handleError(error) {
    if (error.redirect) {
      window.location.assign(error.redirect);
      return;
    }
    showStatus(describeError(error), true);
  }

  // ---- /login ----

  async function signIn(form, mediation, signal) {
    const optionsResponse = await fetch("/api/v1/passkeys/authenticate/options", {
      method: "POST",
      headers: { Accept: "application/json" },
      credentials: "omit",
    });
    const options = await optionsResponse.json();
    if (!optionsResponse.ok) throw new Error(options.detail || "Passkey sign-in is unavailable; try again.");
    const request = { publicKey: requestOptionsFromJSON(options.public_key), signal: signal };
    if (mediation) request.mediation = mediation;
    const credential = await navigator.credentials.get(request);
    const next = form.querySelector("input[name=next]");
    const result = await post(form.dataset.passkeyLogin, form, {
      credential: credentialToJSON(credential),
      next: next ? next.value : "",
    });
    window.location.assign(result.redirect);
  }

  async function setUpLoginPage(form) {
    if (!window.PublicKeyCredential) return;
    document.getElementById("passkey-signin").hidden = false;
    let conditional = null;

    // Conditional mediation: the browser offers passkeys in the email field's autofill
    // (autocomplete="username webauthn") and resolves this request once the user picks one.
    if (PublicKeyCredential.isConditionalMediationAvailable &&
        (await PublicKeyCredential.isConditionalMediationAvailable())) {
      conditional = new AbortController();
      signIn(form, "conditional", conditional.signal).catch(function (error) {
        if (error.name !== "AbortError") handleError(error);
      });
    }

    document.getElementById("passkey-button").addEventListener("click", function () {
      // Only one WebAuthn request may be pending, so the autofill request ends first.
      if (conditional) conditional.abort();
      conditional = null;
      showStatus("Waiting for your passkey…");
      signIn(form, null).catch(handleError);
    });
  }

  // ---- /login/mfa ----

  async function confirmSecondFactor(section) {
    const options = await post(section.dataset.options, section);
    const credential = await navigator.credentials.get({ publicKey: requestOptionsFromJSON(options.public_key) });
    const result = await post(section.dataset.verify, section, { credential: credentialToJSON(credential) });
    window.location.assign(result.redirect);
  }

  function setUpSecondFactor(section) {
    document.getElementById("passkey-button").addEventListener("click", function () {
      showStatus("Waiting for your passkey…");
      confirmSecondFactor(section).catch(handleError);
    });
  }

  // ---- /account/security ----

  async function addPasskey(form) {
    const options = await post(form.dataset.options, form);
    const credential = await navigator.credentials.create({ publicKey: creationOptionsFromJSON(options.public_key) });
    const result = await post(form.dataset.register, form, {
      credential: credentialToJSON(credential),
      name: document.getElementById("passkey-name").value.trim(),
    });
    window.location.assign(result.redirect);
  }

  function setUpAccountPage(form) {
    if (!window.PublicKeyCredential) {
      form.hidden = true;
      showStatus("This browser does not support passkeys.", true);
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      showStatus("Follow your browser's prompt to create the passkey…");
      addPasskey(form).catch(handleError);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const loginForm = document.getElementById("login-form");
    if (loginForm && loginForm.dataset.passkeyLogin) setUpLoginPage(loginForm);
    const secondFactor = document.getElementById("passkey-mfa");
    if (secondFactor) setUpSecondFactor(secondFactor);
    const addForm = document.getElementById("passkey-add-form");
    if (addForm) setUpAccountPage(addForm);
  });
})();
