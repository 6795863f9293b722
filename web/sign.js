// Signing in the browser: RFC 8785 canonical JSON and Ed25519 (WebCrypto).
// The officer's or validator's key file (signing.pem from `comity keys gen`,
// PKCS#8) is read here and never leaves the page; the exchange receives the
// signature only (docs/web-app.md).

// RFC 8785: JSON.stringify already writes ECMAScript numbers and strings as
// the RFC requires; members are sorted by UTF-16 code units.
export function canonical(value) {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error("canonical JSON has no " + value);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
  const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
  return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
}

const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));

// The key in a PKCS#8 PEM file, as a non-extractable WebCrypto key, with its
// public key in Comity's text form ("ed25519:" + base64).
export async function loadSigningKey(pemText) {
  const m = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(pemText);
  if (!m) throw new Error("the file is not a PKCS#8 private key (signing.pem)");
  const der = Uint8Array.from(atob(m[1].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  let jwk;
  try {
    const extractable = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, true, ["sign"]);
    jwk = await crypto.subtle.exportKey("jwk", extractable);
  } catch (e) {
    throw new Error("the file does not hold an Ed25519 signing key");
  }
  const key = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, false, ["sign"]);
  const pub = jwk.x.replace(/-/g, "+").replace(/_/g, "/");
  const padded = pub + "=".repeat((4 - (pub.length % 4)) % 4);
  return { key, signer: "ed25519:" + padded };
}

export function randomBase64(n) {
  return b64(crypto.getRandomValues(new Uint8Array(n)));
}

export function randomHex(n) {
  return Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// A detached signature over the order's canonical form.
export async function signOrder(order, role, signing) {
  const bytes = new TextEncoder().encode(canonical(order));
  const sig = await crypto.subtle.sign({ name: "Ed25519" }, signing.key, bytes);
  return { role, signer: signing.signer, signature: b64(sig) };
}

// A new order around a request (docs/trust.md): fresh id and nonce, valid
// for `days` from now.
export function makeOrder(request, days) {
  const now = new Date();
  const iso = (d) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    type: "comity.order/v1",
    id: "ord-" + randomHex(12),
    nonce: randomBase64(24),
    issued_at: iso(now),
    expires_at: iso(new Date(now.getTime() + days * 86400000)),
    request,
  };
}
