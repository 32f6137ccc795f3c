/* The hosted sign-in pages: each <form data-action> drives the Experience API
   (/api/experience/*) or Logto's consent API; text comes from the server-rendered page and
   is only ever set with textContent. docs/sign-in-pages.md describes the flows. */
(function () {
  'use strict';

  var main = document.getElementById('main');
  if (!main) return;
  var errorBox = document.getElementById('error');
  var statusBox = document.getElementById('status');
  var EXP = '/api/experience';
  var flow = {}; // the current flow's records: identifier, verificationId, event

  function ApiError(status, body) {
    this.status = status;
    this.code = (body && body.code) || '';
    this.message = (body && typeof body.message === 'string' && body.message) || main.dataset.msgGeneric;
    this.data = (body && body.data) || {};
  }

  function call(method, path, body) {
    var init = {
      method: method,
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    };
    if (method !== 'GET') init.body = JSON.stringify(body || {});
    return fetch(path, init).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        var parsed = true;
        try { data = text ? JSON.parse(text) : null; } catch (e) { parsed = false; }
        if (!response.ok || !parsed) throw new ApiError(response.status, data);
        return data || {};
      });
    }, function () {
      throw new ApiError(0, null);
    });
  }

  /* Never follow a script or data URL, whatever the server says. */
  function safeUrl(value) {
    if (typeof value !== 'string' || !value) return null;
    try {
      var url = new URL(value, window.location.href);
      if (/^(javascript|data|vbscript|blob|file):$/i.test(url.protocol)) return null;
      return url.href;
    } catch (e) {
      return null;
    }
  }

  function go(target) {
    var url = safeUrl(target);
    if (!url) throw new ApiError(0, null);
    window.location = url;
  }

  function say(box, text) {
    // Clear first so that the same message twice is announced twice.
    box.textContent = '';
    if (text) window.setTimeout(function () { box.textContent = text; }, 30);
  }

  function showError(form, err) {
    say(statusBox, '');
    say(errorBox, err.message);
    if (!form) return;
    var fields = form.querySelectorAll('input');
    for (var i = 0; i < fields.length; i++) fields[i].setAttribute('aria-invalid', 'true');
    var first = form.querySelector('input:not([type=hidden])');
    if (first) first.focus();
  }

  function clearError(form) {
    errorBox.textContent = '';
    var fields = form.querySelectorAll('[aria-invalid]');
    for (var i = 0; i < fields.length; i++) fields[i].removeAttribute('aria-invalid');
  }

  function show(name) {
    var steps = main.querySelectorAll('[data-step]');
    var target = null;
    for (var i = 0; i < steps.length; i++) {
      var on = steps[i].getAttribute('data-step') === name;
      steps[i].hidden = !on;
      if (on) target = steps[i];
    }
    var extras = main.querySelectorAll('[data-with]');
    for (var j = 0; j < extras.length; j++) extras[j].hidden = extras[j].getAttribute('data-with') !== name;
    if (!target) return;
    var first = target.querySelector('input:not([type=hidden]), [tabindex="-1"]');
    if (first) first.focus();
  }

  function value(form, name) {
    var field = form.elements.namedItem(name);
    return field ? field.value.trim() : '';
  }

  function secret(form, name) {
    var field = form.elements.namedItem(name);
    return field ? field.value : '';
  }

  function types(form) {
    return (form.getAttribute('data-types') || '').split(' ').filter(Boolean);
  }

  /* username, e-mail or phone, as Logto's identifier input guesses it. */
  function identify(raw, allowed) {
    if (allowed.indexOf('email') >= 0 && raw.indexOf('@') > 0) return { type: 'email', value: raw };
    var digits = raw.replace(/[\s()+-]/g, '');
    if (allowed.indexOf('phone') >= 0 && /^\d+$/.test(digits)) return { type: 'phone', value: digits };
    if (allowed.indexOf('username') >= 0) return { type: 'username', value: raw };
    return { type: allowed[0] || 'username', value: raw };
  }

  function start(event) {
    flow = { event: event };
    return call('PUT', EXP, { interactionEvent: event });
  }

  function submit() {
    return call('POST', EXP + '/submit').then(function (body) {
      if (body && body.redirectTo) return go(body.redirectTo);
      show('done'); // ForgotPassword: Logto answers without redirectTo
      return null;
    });
  }

  function identifyAndSubmit(verificationId) {
    var body = verificationId ? { verificationId: verificationId } : {};
    return call('POST', EXP + '/identification', body).then(submit);
  }

  function passwordsMatch(form) {
    if (!form.elements.namedItem('confirm')) return true;
    return secret(form, 'password') === secret(form, 'confirm');
  }

  var actions = {
    'password-sign-in': function (form) {
      var identifier = identify(value(form, 'identifier'), types(form));
      return start('SignIn')
        .then(function () {
          return call('POST', EXP + '/verification/password', {
            identifier: identifier, password: secret(form, 'password'),
          });
        })
        .then(function (body) { return identifyAndSubmit(body.verificationId); });
    },

    'code-send': function (form) {
      var identifier = identify(value(form, 'identifier'), types(form));
      var event = form.getAttribute('data-event');
      var begin = form.getAttribute('data-init') === 'yes' ? start(event) : Promise.resolve();
      return begin
        .then(function () {
          return call('POST', EXP + '/verification/verification-code', {
            identifier: identifier, interactionEvent: event,
          });
        })
        .then(function (body) {
          flow.identifier = identifier;
          flow.codeId = body.verificationId;
          show(form.getAttribute('data-next'));
          var word = identifier.type === 'email' ? main.dataset.wordEmail : main.dataset.wordPhone;
          say(statusBox, main.dataset.msgSent.replace(/\{\{\s*address\s*\}\}/, word)
            .replace(/\{\{\s*target\s*\}\}/, identifier.value));
        });
    },

    'code-verify': function (form) {
      var then = form.getAttribute('data-then');
      return call('POST', EXP + '/verification/verification-code/verify', {
        identifier: flow.identifier, verificationId: flow.codeId, code: value(form, 'code'),
      }).then(function (body) {
        var id = body.verificationId;
        if (then === 'reset') {
          return call('POST', EXP + '/identification', { verificationId: id }).then(function () {
            show('new-password');
          });
        }
        if (then === 'bind-email') {
          return call('POST', EXP + '/profile', { type: 'email', verificationId: id }).then(function () {
            return identifyAndSubmit(null);
          });
        }
        return identifyAndSubmit(id);
      });
    },

    'register-username': function (form) {
      if (!passwordsMatch(form)) throw new ApiError(0, { message: main.dataset.msgMismatch });
      var hasPassword = Boolean(form.elements.namedItem('password'));
      return start('Register')
        .then(function () {
          return call('POST', EXP + '/profile', { type: 'username', value: value(form, 'username') });
        })
        .then(function () {
          if (hasPassword) return call('POST', EXP + '/profile', { type: 'password', value: secret(form, 'password') });
          return null;
        })
        .then(function () { return identifyAndSubmit(null); });
    },

    'set-password': function (form) {
      if (!passwordsMatch(form)) throw new ApiError(0, { message: main.dataset.msgMismatch });
      return call('POST', EXP + '/profile', { type: 'password', value: secret(form, 'password') }).then(function () {
        return identifyAndSubmit(null);
      });
    },

    'reset-password': function (form) {
      if (!passwordsMatch(form)) throw new ApiError(0, { message: main.dataset.msgMismatch });
      return call('PUT', EXP + '/profile/password', { password: secret(form, 'password') }).then(submit);
    },

    totp: function (form) {
      return call('POST', EXP + '/verification/totp/verify', { code: value(form, 'code') }).then(submit);
    },

    consent: function () {
      return call('POST', '/api/interaction/consent', {}).then(function (body) { return go(body.redirectTo); });
    },
  };

  /* What the Experience API still wants before it lets the person in. */
  function nextStep(err) {
    var data = err.data || {};
    if (err.code === 'session.mfa.require_mfa_verification') {
      var factors = data.availableFactors || [];
      if ((factors.length === 0 || factors.indexOf('Totp') >= 0) && main.querySelector('[data-step=totp]')) return 'totp';
    }
    if (err.code === 'user.missing_profile') {
      var missing = data.missingProfile || [];
      if (missing.indexOf('password') >= 0 && main.querySelector('[data-step=set-password]')) return 'set-password';
      if (missing.indexOf('email') >= 0 && main.querySelector('[data-step=bind-send]')) return 'bind-send';
    }
    return null;
  }

  function onSubmit(event) {
    var form = event.target;
    var action = actions[form.getAttribute('data-action')];
    if (!action) return;
    event.preventDefault();
    var button = form.querySelector('button[type=submit]');
    if (button && button.disabled) return;
    clearError(form);
    if (button) { button.disabled = true; form.setAttribute('aria-busy', 'true'); }
    var finish = function () {
      if (button) { button.disabled = false; form.removeAttribute('aria-busy'); }
    };
    var missing = null;
    var inputs = form.querySelectorAll('input[required]');
    for (var i = 0; i < inputs.length; i++) {
      if (!inputs[i].value) { missing = inputs[i]; break; }
    }
    if (missing) {
      finish();
      var label = form.querySelector('label[for="' + missing.id + '"]');
      var text = main.dataset.msgRequired.replace(/\{\{\s*types[^}]*\}\}/, label ? label.textContent : '');
      say(errorBox, text);
      missing.setAttribute('aria-invalid', 'true');
      missing.focus();
      return;
    }
    Promise.resolve()
      .then(function () { return action(form); })
      .then(finish, function (err) {
        finish();
        if (!(err instanceof ApiError)) err = new ApiError(0, null);
        var next = nextStep(err);
        if (next) {
          errorBox.textContent = '';
          show(next);
          return;
        }
        showError(form, err);
      });
  }

  main.addEventListener('submit', onSubmit);
  main.addEventListener('click', function (event) {
    var target = event.target.closest ? event.target.closest('[data-show]') : null;
    if (target) {
      event.preventDefault();
      errorBox.textContent = '';
      show(target.getAttribute('data-show'));
    }
  });

  /* --- consent page ------------------------------------------------------------------------ */

  function fill(template, name) {
    return (template || '').replace(/\{\{\s*name\s*\}\}/g, name);
  }

  function item(text, detail) {
    var li = document.createElement('li');
    li.textContent = text;
    if (detail) {
      var span = document.createElement('span');
      span.className = 'detail';
      span.textContent = detail;
      li.appendChild(document.createTextNode(' '));
      li.appendChild(span);
    }
    return li;
  }

  function setLink(id, href) {
    var link = document.getElementById(id);
    var url = safeUrl(href);
    if (!link || !url || !/^https?:$/.test(new URL(url).protocol)) return false;
    link.href = url;
    link.hidden = false;
    return true;
  }

  function consentPage(box) {
    var phrases = {};
    var known = box.querySelectorAll('#scope-phrases [data-scope]');
    for (var i = 0; i < known.length; i++) phrases[known[i].getAttribute('data-scope')] = known[i].textContent;
    var hiddenScopes = (box.getAttribute('data-hidden-scopes') || '').split(' ');
    var form = box.querySelector('form');
    var buttons = form.querySelectorAll('button');
    var redirectUri = null;

    call('GET', '/api/interaction/consent').then(function (info) {
      var app = info.application || {};
      var name = app.displayName || app.name || app.id || '';
      document.getElementById('title').textContent = fill(box.getAttribute('data-title'), name);
      document.title = document.getElementById('title').textContent;
      document.getElementById('consent-request').textContent = fill(box.getAttribute('data-request'), name);
      var oidc = (info.missingOIDCScope || []).filter(function (s) { return hiddenScopes.indexOf(s) < 0; });
      var list = document.getElementById('consent-oidc');
      oidc.forEach(function (scope) { list.appendChild(item(phrases[scope] || scope)); });
      box.querySelector('[data-part=user-scopes]').hidden = oidc.length === 0;
      var resources = document.getElementById('consent-resources');
      (info.missingResourceScopes || []).forEach(function (entry, index) {
        var section = document.createElement('section');
        var heading = document.createElement('h2');
        heading.id = 'consent-resource-' + index;
        heading.textContent = (entry.resource && (entry.resource.name || entry.resource.indicator)) || '';
        section.setAttribute('aria-labelledby', heading.id);
        section.appendChild(heading);
        var ul = document.createElement('ul');
        (entry.scopes || []).forEach(function (scope) { ul.appendChild(item(scope.name, scope.description)); });
        section.appendChild(ul);
        resources.appendChild(section);
      });
      redirectUri = safeUrl(info.redirectUri);
      if (redirectUri) {
        var where = new URL(redirectUri);
        var shown = /^https?:$/.test(where.protocol) ? where.origin : where.protocol + '//' + where.host;
        document.getElementById('consent-redirect').textContent = fill(box.getAttribute('data-redirect'), shown);
      }
      var legal = setLink('consent-terms', app.termsOfUseUrl);
      legal = setLink('consent-privacy', app.privacyPolicyUrl) || legal;
      document.getElementById('consent-legal').hidden = !legal;
      var user = info.user || {};
      document.getElementById('consent-user').textContent =
        user.name || user.username || user.primaryEmail || user.primaryPhone || user.id || '';
      var end = new URL('/oidc/session/end', window.location.origin);
      if (app.id) end.searchParams.set('client_id', app.id);
      document.getElementById('consent-switch').href = end.pathname + end.search;
      for (var j = 0; j < buttons.length; j++) buttons[j].disabled = false;
      box.removeAttribute('data-loading');
    }, function (err) {
      box.removeAttribute('data-loading');
      showError(null, err instanceof ApiError ? err : new ApiError(0, null));
    });

    box.querySelector('[data-action=consent-cancel]').addEventListener('click', function () {
      if (redirectUri) window.location.replace(redirectUri);
    });
  }

  var consentBox = document.getElementById('consent');
  if (consentBox) consentPage(consentBox);
})();
