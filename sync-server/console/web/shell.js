// The console's shell: the router (paths and queries, History API), login and session, navigation by role, language, shortcuts, focus.
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const h = FC.h;
  const S = (vi, en) => FC.s(vi, en);
  const kChordMs = 1500;  // "g" then a letter: how long the second key is awaited

  FC.me = null;  // GET /api/me, POST /api/session: null when logged out

  // ---------------------------------------------------------------- screens

  // name -> {pattern, draw(ctx), may(me)}; screens register themselves (dashboard.js, ...).
  const screens = [];

  /// Registers a screen: `pattern` a RegExp on location.pathname whose groups are the screen's
  /// parameters (URL-decoded); `may(me)` whether the user may see it (default: everyone).
  FC.addScreen = function addScreen(name, pattern, draw, may) {
    screens.push({name, pattern, draw, may: may || (() => true)});
  };

  // The navigation: [screen, vi, en, shortcut letter after "g", who may].
  const kNav = [
    ['dashboard', 'Tổng quan', 'Overview', 'd', () => true, '/'],
    ['inspections', 'Phiếu kiểm tra', 'Inspections', 'i', () => true, '/inspections'],
    ['conflicts', 'Xung đột', 'Conflicts', 'c', () => true, '/conflicts'],
    ['establishments', 'Cơ sở', 'Establishments', 'e', () => true, '/establishments'],
    ['reports', 'Báo cáo định kỳ', 'Periodic reports', 'r', () => true, '/reports'],
    ['people', 'Người dùng', 'People', 'p', (me) => me.may.manage_people, '/people'],
    ['exports', 'Xuất dữ liệu', 'Exports', 'x', (me) => me.may.export || me.may.import_bundles, '/exports'],
    ['audit', 'Nhật ký', 'Audit log', 'a', (me) => me.may.audit, '/audit'],
    ['password', 'Đổi mật khẩu', 'Password', 'm', () => true, '/password'],
  ];
  // Which navigation entry a screen belongs to.
  const kSection = {dashboard: 'dashboard', inspections: 'inspections', inspection: 'inspections', conflicts: 'conflicts',
    conflict: 'conflicts', establishments: 'establishments', establishment: 'establishments', reports: 'reports',
    people: 'people', person: 'people', exports: 'exports', audit: 'audit', password: 'password'};

  FC.may = (what) => !!(FC.me && FC.me.may && FC.me.may[what]);

  // ---------------------------------------------------------------- the view

  // The screen on show: `gen` grows at each navigation, so an answer for a screen the user has
  // left is dropped; `redraw` draws it again in the language chosen; `moved`: the user went from
  // one screen to another (on the first screen the focus stays at the top, for the skip link).
  const view = {gen: 0, redraw: null, timers: [], moved: false, name: null};
  const main = () => document.getElementById('main');
  const screenEl = () => document.getElementById('screen');

  function focusIn(selector) {
    const root = screenEl();
    const el = (selector && root.querySelector(selector)) || document.getElementById('screen-title') || main();
    el.focus({preventScroll: true});
    window.scrollTo(0, 0);
  }

  /// Everything a screen gets: its parameters, the query, and how to fetch and draw without
  /// drawing over a screen the user has gone to since.
  function makeContext(gen, name, params, query) {
    let drawn = false;
    const ctx = {
      name, params, query, me: FC.me,
      get live() { return gen === view.gen; },
      /// FC.call, but rejects with FC.kStale once the user has left this screen.
      async load(method, path, body, type) {
        const data = await FC.call(method, path, body, type);
        if (gen !== view.gen) throw FC.kStale;
        return data;
      },
      /// Draws the screen (`draw` returns nodes; its h1 is FC.heading) now and on each language
      /// switch; the first time, marks it ready and moves the focus to its heading (or `focus`).
      draw(draw, focus) {
        if (gen !== view.gen) return;
        const paint = () => {
          FC.replace(screenEl(), draw());
          const h1 = document.getElementById('screen-title');
          document.title = (h1 ? h1.textContent + ' — ' : '') + 'Fieldcheck';
        };
        view.redraw = paint;
        paint();
        if (!drawn) {
          drawn = true;
          main().dataset.ready = name;
          main().removeAttribute('aria-busy');
          if (view.moved) focusIn(focus);
        }
      },
      /// Puts `values` (empty ones dropped) in the address's query: pushed as a new entry, or in place
      /// with {replace: true}. The screen is not drawn again; Back draws the address it leaves.
      setQuery(values, options) {
        if (gen !== view.gen) return;
        const q = new URLSearchParams();
        for (const [key, value] of Object.entries(values)) {
          if (value !== undefined && value !== null && value !== '' && value !== false) q.set(key, String(value));
        }
        const text = q.toString();
        const url = location.pathname + (text ? '?' + text : '');
        if (url === location.pathname + location.search) return;
        if (options && options.replace) history.replaceState(null, '', url);
        else history.pushState(null, '', url);
        shownAddress = url;
        ctx.query = q;
      },
      later(fn, ms) {
        const id = setTimeout(() => { if (gen === view.gen) fn(); }, ms);
        view.timers.push(id);
        return id;
      },
    };
    return ctx;
  }

  /// The page's h1: focusable, the hook every screen has.
  FC.heading = (text) => h('h1', {id: 'screen-title', tabindex: '-1'}, text);

  /// Goes to `url` (a path with its query) as a link does: a new history entry, the screen drawn.
  FC.go = function go(url, options) {
    view.moved = true;
    if (options && options.replace) history.replaceState(null, '', url);
    else if (url !== location.pathname + location.search) history.pushState(null, '', url);
    route();
  };

  function decode(p) {
    try { return decodeURIComponent(p); } catch (e) { return p; }
  }

  function enter(name) {
    const gen = ++view.gen;
    for (const id of view.timers) clearTimeout(id);
    view.timers = [];
    view.redraw = null;
    view.name = name;
    shownAddress = location.pathname + location.search;
    main().dataset.screen = name;
    delete main().dataset.ready;
    main().setAttribute('aria-busy', 'true');
    FC.clearError();
    FC.say(null);
    return gen;
  }

  async function route() {
    if (!FC.me) return showLogin();
    if (FC.me.must_change_password) return showPassword(true);
    const path = location.pathname.replace(/\/+$/, '') || '/';
    let screen = null, params = [];
    for (const s of screens) {
      const m = path.match(s.pattern);
      if (m) {
        screen = s;
        params = m.slice(1).map(decode);
        break;
      }
    }
    if (screen && !screen.may(FC.me)) screen = null;
    const name = screen ? screen.name : 'not-found';
    const gen = enter(name);
    drawChrome();
    const ctx = makeContext(gen, name, params, new URLSearchParams(location.search));
    try {
      if (!screen) {
        ctx.draw(() => [FC.heading(S('Không có màn hình này', 'No such screen')),
          h('p', {}, S('Địa chỉ này không dẫn tới màn hình nào bạn được dùng. ', 'This address leads to no screen you may use. '),
            h('a', {href: '/'}, S('Về trang Tổng quan', 'Back to the overview')))]);
        return;
      }
      await screen.draw(ctx);
    } catch (err) {
      if (err === FC.kStale || gen !== view.gen || !FC.me) return;
      // A screen that could not load: its heading says so, #error says why, data-ready stays unset.
      FC.replace(screenEl(), FC.heading(S('Không mở được màn hình này', 'This screen could not open')),
        h('p', {}, h('a', {href: '/'}, S('Về trang Tổng quan', 'Back to the overview'))));
      main().removeAttribute('aria-busy');
      FC.showError(err);
      if (view.moved) focusIn();
    }
  }

  // ---------------------------------------------------------------- the frame

  function drawChrome() {
    document.documentElement.lang = FC.lang;
    const set = (id, vi, en) => { const el = document.getElementById(id); if (el) el.textContent = S(vi, en); };
    set('skip-link', 'Bỏ qua, đến nội dung chính', 'Skip to main content');
    set('console-name', 'Bảng điều khiển tỉnh', 'Provincial console');
    set('logout', 'Đăng xuất', 'Log out');
    const lang = document.getElementById('lang-switch');
    lang.textContent = FC.lang === 'en' ? 'Tiếng Việt' : 'English';
    lang.setAttribute('lang', FC.lang === 'en' ? 'vi' : 'en');
    lang.setAttribute('aria-label', FC.lang === 'en' ? 'Tiếng Việt: chuyển sang tiếng Việt' : 'English: switch to English');

    const me = FC.me;
    const nav = document.getElementById('nav');
    const who = document.getElementById('who');
    document.getElementById('logout').hidden = !me;
    const forced = !!(me && me.must_change_password);
    nav.hidden = !me || forced;
    nav.setAttribute('aria-label', S('Các màn hình', 'Screens'));
    if (!me) {
      who.replaceChildren();
      delete who.dataset.user;
      delete who.dataset.role;
      nav.replaceChildren();
      return;
    }
    who.dataset.user = me.user;
    who.dataset.role = me.role;
    FC.replace(who,
      h('span', {class: 'visually-hidden'}, S('Người dùng: ', 'User: ')), h('strong', {}, me.user),
      h('span', {class: 'muted'}, ' · ' + FC.t(me.role_label) + ' · ' + (me.district_name || me.province || '')));
    const current = kSection[view.name];
    FC.replace(nav, forced ? null : h('ul', {}, kNav.filter((n) => n[4](me)).map(([key, vi, en, , , href]) =>
      h('li', {}, h('a', {href, id: 'nav-' + key, 'aria-current': current === key ? 'page' : null}, S(vi, en))))));
  }

  // ---------------------------------------------------------------- login and password

  function showLogin(failure) {
    const hadSession = !!FC.me;
    const wasUser = hadSession && failure ? FC.me.user : '';  // a session that ended: the same person logs in again
    FC.me = null;
    places = null;
    const gen = enter('login');
    drawChrome();
    const ctx = makeContext(gen, 'login', [], new URLSearchParams(location.search));
    let user = wasUser;
    ctx.draw(() => {
      const userInput = h('input', {class: 'input', id: 'login-user', name: 'user', type: 'text', autocomplete: 'username',
        autocapitalize: 'none', spellcheck: 'false', required: true, value: user});
      const password = h('input', {class: 'input', id: 'login-password', name: 'password', type: 'password',
        autocomplete: 'current-password', required: true});
      const submit = h('button', {type: 'submit', class: 'button button--primary', id: 'login-submit'}, S('Đăng nhập', 'Log in'));
      const form = h('form', {id: 'login-form', class: 'login-form', novalidate: true},
        h('div', {class: 'field'}, h('label', {class: 'label', for: 'login-user'}, S('Tên đăng nhập', 'User name')), userInput),
        h('div', {class: 'field'}, h('label', {class: 'label', for: 'login-password'}, S('Mật khẩu', 'Password')), password),
        h('div', {class: 'actions'}, submit));
      userInput.addEventListener('input', () => { user = userInput.value; });
      form.addEventListener('submit', FC.busy(submit, async () => {
        if (!userInput.value.trim() || !password.value) {
          throw {status: 0, error: {code: 'login_incomplete', vi: 'Hãy nhập tên đăng nhập và mật khẩu.', en: 'Type your user name and password.', details: []}};
        }
        const me = await FC.call('POST', '/api/session', {user: userInput.value.trim(), password: password.value});
        if (!ctx.live) return;
        FC.me = me;
        view.moved = true;
        route();
      }, () => { password.value = ''; password.focus(); }));
      return [
        FC.heading(S('Đăng nhập', 'Log in')),
        h('p', {class: 'lede'}, S('Bảng điều khiển của tỉnh: duyệt phiếu kiểm tra, xử lý xung đột, báo cáo và xuất dữ liệu.',
          'The province\'s console: review inspections, resolve conflicts, report and export.')),
        form,
      ];
    }, wasUser ? '#login-password' : '#login-user');
    if (hadSession && failure) FC.showError(failure);
    // On the first load the focus goes to the user name (or, after a session ended, the password):
    // there is nothing else to do here.
    const first = document.getElementById(wasUser ? 'login-password' : 'login-user');
    if (first && (!view.moved || hadSession)) first.focus();
  }

  function showPassword(forced) {
    const gen = enter('password');
    drawChrome();
    const ctx = makeContext(gen, 'password', [], new URLSearchParams(location.search));
    ctx.forced = forced;
    Promise.resolve(FC.passwordScreen(ctx)).catch((err) => FC.showError(err));
  }

  /// After the password changed: Me again (no more one-time code), then the screen the address names.
  FC.passwordChanged = async function passwordChanged() {
    FC.me = await FC.call('GET', '/api/me');
    view.moved = true;
    route();
  };

  FC.onSessionLost = (failure) => {
    if (!FC.me) return;  // already showing the login form (or starting)
    showLogin(failure);
  };
  FC.onPasswordRequired = () => {
    if (FC.me) FC.me.must_change_password = true;
    if (view.name !== 'password') showPassword(true);
  };

  // ---------------------------------------------------------------- places (for the filters)

  let places = null;  // the promise of GET /api/places, once per session

  /// {districts:[{code, name, communes:[{code, name}]}]} in the caller's scope.
  FC.places = function loadPlaces() {
    if (!places) places = FC.call('GET', '/api/places').catch((err) => { places = null; throw err; });
    return places;
  };

  // ---------------------------------------------------------------- a button that works

  /// A submit/click handler for `button` that does async `work`: marked busy meanwhile
  /// (aria-disabled, so it keeps the focus), a second press ignored, a failure shown in #error
  /// (then `onFailure(err)`).
  FC.busy = function busy(button, work, onFailure) {
    return async (event) => {
      if (event) event.preventDefault();
      if (button.getAttribute('aria-disabled') === 'true') return;
      button.setAttribute('aria-disabled', 'true');
      FC.clearError();
      try {
        await work(event);
      } catch (err) {
        if (err === FC.kStale) return;
        FC.showError(err);
        if (onFailure) onFailure(err);
      } finally {
        button.removeAttribute('aria-disabled');
      }
    };
  };

  // ---------------------------------------------------------------- links and keys

  function ownLink(a, event) {
    if (!a || event.defaultPrevented || event.button !== 0) return false;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return false;
    if (a.target || a.hasAttribute('download') || a.origin !== location.origin) return false;
    const path = a.pathname;
    return !(path.startsWith('/api/') || path.startsWith('/static/') || path.startsWith('/v1/')) && !a.getAttribute('href').startsWith('#');
  }

  document.addEventListener('click', (event) => {
    const a = event.target.closest && event.target.closest('a[href]');
    if (!ownLink(a, event)) return;
    event.preventDefault();
    FC.go(a.pathname + a.search);
  });

  // Back and Forward draw the address they lead to; a change of the #fragment alone (the skip
  // link) is no new screen.
  let shownAddress = null;
  window.addEventListener('popstate', () => {
    if (location.pathname + location.search === shownAddress) return;
    view.moved = true;
    route();
  });

  document.getElementById('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    focusIn();
  });

  const typing = (el) => el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  let chord = 0;  // when "g" was pressed

  /// The rows of the table the keys move through: the one holding the focus, or the screen's first.
  function keyRows() {
    const active = document.activeElement;
    const table = (active && active.closest && active.closest('table[data-keys]')) || screenEl().querySelector('table[data-keys]');
    return table ? Array.from(table.tBodies[0] ? table.tBodies[0].rows : []).filter((r) => !r.hidden) : [];
  }

  function moveRow(step) {
    const rows = keyRows();
    if (!rows.length) return;
    const active = document.activeElement;
    const at = rows.findIndex((r) => r.contains(active));
    const current = at >= 0 ? at : rows.findIndex((r) => r.classList.contains('is-current'));
    const next = rows[current < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, current + step))];
    for (const r of rows) r.classList.toggle('is-current', r === next);
    const target = next.querySelector('a.row-link') || next.querySelector('a, button, input');
    if (target) {
      target.focus({preventScroll: true});
      next.scrollIntoView({block: 'nearest'});
    }
  }

  let beforeShortcuts = null;  // where the focus was when the list of shortcuts opened: it goes back there

  function closeShortcuts() {
    const panel = document.getElementById('shortcuts');
    if (panel.hidden) return false;
    panel.hidden = true;
    if (beforeShortcuts && beforeShortcuts.isConnected) beforeShortcuts.focus();
    return true;
  }

  function toggleShortcuts() {
    const panel = document.getElementById('shortcuts');
    if (closeShortcuts()) return;
    beforeShortcuts = document.activeElement;
    const row = (keys, vi, en) => h('tr', {}, h('th', {scope: 'row'}, keys.map((k, i) => [i ? ' ' : null, h('kbd', {}, k)])), h('td', {}, S(vi, en)));
    FC.replace(panel,
      h('h2', {id: 'shortcuts-title'}, S('Phím tắt', 'Keyboard shortcuts')),
      h('table', {class: 'table'}, h('tbody', {},
        row(['/'], 'Đến ô tìm kiếm, bộ lọc', 'Go to the search or filters'),
        row(['j', 'k'], 'Dòng sau, dòng trước trong bảng', 'Next, previous row of the table'),
        row(['Enter'], 'Mở dòng đang chọn', 'Open the row'),
        row(['x'], 'Đánh dấu dòng đang chọn', 'Tick the row'),
        kNav.filter((n) => FC.me && n[4](FC.me)).map(([, vi, en, key]) => row(['g', key], 'Đến ' + vi, 'Go to ' + en)),
        row(['?'], 'Hiện, ẩn bảng này', 'Show or hide this list'),
        row(['Esc'], 'Đóng', 'Close'))),
      h('button', {type: 'button', class: 'button button--secondary', id: 'shortcuts-close', onclick: closeShortcuts},
        S('Đóng', 'Close')));
    panel.hidden = false;
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-labelledby', 'shortcuts-title');
    document.getElementById('shortcuts-close').focus();
  }

  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      if (closeShortcuts()) event.preventDefault();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target) || !FC.me || FC.me.must_change_password) return;
    const key = event.key;
    if (chord && Date.now() - chord < kChordMs) {
      chord = 0;
      const entry = kNav.find((n) => n[3] === key && n[4](FC.me));
      if (entry) {
        event.preventDefault();
        FC.go(entry[5]);
      }
      return;
    }
    chord = 0;
    if (key === 'g') { chord = Date.now(); return; }
    if (key === '/') {
      const target = screenEl().querySelector('[data-search]') || screenEl().querySelector('.filters input, .filters select');
      if (target) { event.preventDefault(); target.focus(); if (target.select) target.select(); }
    } else if (key === 'j' || key === 'k') {
      event.preventDefault();
      moveRow(key === 'j' ? 1 : -1);
    } else if (key === 'x') {
      const row = document.activeElement && document.activeElement.closest && document.activeElement.closest('table[data-keys] tr');
      const box = row && row.querySelector('input.row-select');
      if (box && !box.disabled) { event.preventDefault(); box.click(); }
    } else if (key === '?') {
      event.preventDefault();
      toggleShortcuts();
    }
  });

  // ---------------------------------------------------------------- start

  document.getElementById('lang-switch').addEventListener('click', () => {
    FC.setLang(FC.lang === 'en' ? 'vi' : 'en');
  });
  document.addEventListener('fc-lang', () => {
    drawChrome();
    if (view.redraw) view.redraw();
  });

  document.getElementById('logout').addEventListener('click', async () => {
    try {
      await FC.call('DELETE', '/api/session');
    } catch (err) {
      if (err && err.status !== 401) { FC.showError(err); return; }
    }
    FC.me = null;
    view.moved = true;
    history.pushState(null, '', '/');
    showLogin();
    FC.say({vi: 'Bạn đã đăng xuất.', en: 'You have logged out.'});
  });

  async function start() {
    drawChrome();
    try {
      FC.me = await FC.call('GET', '/api/me');
    } catch (err) {
      FC.me = null;
      if (err && err.status === 401) return showLogin();
      // The server answered something else: the login form, with why.
      showLogin();
      FC.showError(err);
      return;
    }
    route();
  }

  document.addEventListener('DOMContentLoaded', start);
})(window.FC);
