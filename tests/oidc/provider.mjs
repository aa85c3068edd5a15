// A real OpenID Connect provider (the certified `oidc-provider` package) for the test suite.
// tests/oidc_server.py starts it; everything comes from the environment:
//   OIDC_PORT      port on 127.0.0.1 (0 or unset: any free port)
//   OIDC_CLIENTS   JSON list of {client_id, client_secret, redirect_uris,
//                  post_logout_redirect_uris} (code flow, PKCE S256 required)
//   OIDC_ACCOUNTS  JSON object {"<login name>": {sub, email, email_verified, name, acr, amr}}
//   OIDC_BAD_JWKS  "1": tokens are signed with the real key, but /jwks publishes another one,
//                  so a client that checks signatures must refuse every ID token.
//   OIDC_STOP_ON_STDIN_CLOSE  "1": exit when stdin closes (the starting process is gone).
// When listening it prints exactly one line, `OIDC_ISSUER <issuer>`, to stdout and nothing
// else there afterwards (the Python side stops reading after that line).
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';

import Provider, { errors } from 'oidc-provider';

const HOST = '127.0.0.1';

function parseJson(name, fallback) {
  const raw = process.env[name];
  if (!raw) return fallback;
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new Error(`${name} is not valid JSON: ${error.message}`);
  }
}

function rsaJwk(kid) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const meta = { kid, alg: 'RS256', use: 'sig' };
  return {
    privateJwk: { ...privateKey.export({ format: 'jwk' }), ...meta },
    publicJwk: { ...publicKey.export({ format: 'jwk' }), ...meta },
  };
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  }[c]));
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="nb">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main>${body}</main></body>
</html>`;
}

function loginPage(uid, error) {
  const alert = error ? `<p role="alert" class="error">${escapeHtml(error)}</p>` : '';
  return page('Test-innlogging', `<h1>Test-innlogging</h1>
${alert}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
  <label for="login">Brukernavn</label>
  <input id="login" name="login" autocomplete="username" required autofocus>
  <button type="submit">Logg inn</button>
</form>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const clients = parseJson('OIDC_CLIENTS', []).map((client) => ({
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  // auth_time always in the ID token: the client may check how fresh the sign-in is.
  require_auth_time: true,
  ...client,
}));
const accountsByLogin = parseJson('OIDC_ACCOUNTS', {});
const accountsBySub = new Map(Object.values(accountsByLogin).map((a) => [a.sub, a]));
// oidc-provider drops the acr claim unless it knows the values it may issue.
const acrValues = [...new Set(Object.values(accountsByLogin).map((a) => a.acr).filter(Boolean))];

const signing = rsaJwk(`sign-${randomUUID()}`);
// A different key with a different kid: published instead of the signing key when asked to.
const impostor = process.env.OIDC_BAD_JWKS === '1' ? rsaJwk(`other-${randomUUID()}`) : null;

const configuration = {
  clients,
  jwks: { keys: [signing.privateJwk] },
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  responseTypes: ['code'],
  pkce: { required: () => true },
  acrValues,
  // acr and amr under the openid scope: as top-level claims oidc-provider would put them in
  // the ID token only when the client asks with acr_values or the claims parameter, and the
  // service's check of the assurance level must see them on every sign-in.
  claims: {
    acr: null,
    amr: null,
    auth_time: null,
    sid: null,
    iss: null,
    openid: ['sub', 'acr', 'amr'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  scopes: ['openid', 'email', 'profile'],
  // The scope claims go into the ID token itself, so the client needs no userinfo call.
  conformIdTokenClaims: false,
  // Plain http on loopback: cookies must not be marked Secure, or the browser drops them.
  cookies: {
    keys: [randomBytes(32).toString('hex')],
    long: { httpOnly: true, sameSite: 'lax', secure: false },
    short: { httpOnly: true, sameSite: 'lax', secure: false },
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource(ctx, form) {
        // The provider's own form (hidden xsrf field) plus one button that confirms.
        ctx.body = page('Logg ut', `<h1>Logg ut</h1>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Logg ut</button>`);
      },
      postLogoutSuccessSource(ctx) {
        ctx.body = page('Logget ut', '<h1>Du er logget ut</h1>');
      },
    },
  },
  interactions: {
    url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  async findAccount(_ctx, id) {
    const account = accountsBySub.get(id);
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        const { sub, email, email_verified: emailVerified, name } = account;
        return { sub, email, email_verified: emailVerified, name };
      },
    };
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Feil', `<h1>Feil</h1>
<p role="alert">${escapeHtml(out.error)}: ${escapeHtml(out.error_description ?? '')}</p>`);
  },
};

// The consent prompt is granted at once, as for a first-party client: a Grant with every
// scope and claim the request asks for (after the oidc-provider example's confirm route).
async function grantConsent(provider, ctx, details) {
  const { prompt, params, session, grantId: existing } = details;
  const grant = existing
    ? await provider.Grant.find(existing)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) {
    grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  }
  if (prompt.details.missingOIDCClaims) {
    grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  }
  if (prompt.details.missingResourceScopes) {
    for (const [indicator, scope] of Object.entries(prompt.details.missingResourceScopes)) {
      grant.addResourceScope(indicator, scope.join(' '));
    }
  }
  const grantId = await grant.save();
  const consent = existing ? {} : { grantId };
  await provider.interactionFinished(ctx.req, ctx.res, { consent }, {
    mergeWithLastSubmission: true,
  });
  ctx.respond = false;
}

async function login(provider, ctx, uid) {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.prompt.name !== 'login') {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = page('Feil', '<h1>Feil</h1><p role="alert">Ingen innlogging venter.</p>');
    return;
  }
  const form = await readForm(ctx.req);
  const name = (form.get('login') ?? '').trim();
  const account = Object.hasOwn(accountsByLogin, name) ? accountsByLogin[name] : undefined;
  if (!account) {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = loginPage(uid, `Ukjent brukernavn: ${name}`);
    return;
  }
  const result = { login: { accountId: account.sub, acr: account.acr, amr: account.amr } };
  await provider.interactionFinished(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: false,
  });
  ctx.respond = false;
}

function interactionRoutes(provider) {
  return async (ctx, next) => {
    const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(ctx.path);
    if (!match) return next();
    ctx.set('cache-control', 'no-store');
    const [, uid, isLogin] = match;
    try {
      if (ctx.method === 'POST' && isLogin) {
        return await login(provider, ctx, uid);
      }
      if (ctx.method === 'GET' && !isLogin) {
        const details = await provider.interactionDetails(ctx.req, ctx.res);
        if (details.prompt.name === 'consent') {
          return await grantConsent(provider, ctx, details);
        }
        ctx.type = 'html';
        ctx.body = loginPage(details.uid);
        return undefined;
      }
      return next();
    } catch (error) {
      if (error instanceof errors.SessionNotFound) {
        ctx.status = error.status;
        ctx.type = 'html';
        ctx.body = page('Feil', `<h1>Feil</h1><p role="alert">${escapeHtml(error.message)}</p>`);
        return undefined;
      }
      throw error;
    }
  };
}

function publishImpostorKey(ctx, next) {
  if (impostor && ctx.method === 'GET' && ctx.path === '/jwks') {
    ctx.type = 'application/jwk-set+json; charset=utf-8';
    ctx.body = { keys: [impostor.publicJwk] };
    return undefined;
  }
  return next();
}

// The issuer contains the port, and the port is only known once listening: listen first,
// answer 503 until the provider exists.
let handler = (_req, res) => {
  res.statusCode = 503;
  res.end();
};
const server = http.createServer((req, res) => handler(req, res));
server.listen(Number.parseInt(process.env.OIDC_PORT ?? '0', 10) || 0, HOST, async () => {
  const issuer = `http://${HOST}:${server.address().port}`;
  const provider = new Provider(issuer, configuration);
  provider.proxy = false;
  provider.use(publishImpostorKey);
  provider.use(interactionRoutes(provider));
  // oidc-provider checks a client's metadata only when it is first used; a mistake in
  // OIDC_CLIENTS should stop the start with the reason, not fail some later sign-in.
  for (const { client_id: clientId } of clients) {
    try {
      await provider.Client.find(clientId);
    } catch (error) {
      process.stderr.write(`client ${clientId} is invalid: ${error.error_description ?? error}\n`);
      process.exit(1);
    }
  }
  handler = provider.callback();
  process.stdout.write(`OIDC_ISSUER ${issuer}\n`);
});

// Stopped by the tests: nothing to save, so no waiting for open keep-alive connections.
process.on('SIGTERM', () => process.exit(0));
// The tests hold our stdin open; when it closes their process is gone (even killed with
// SIGKILL), and a provider nobody can stop must not linger.
if (process.env.OIDC_STOP_ON_STDIN_CLOSE === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
