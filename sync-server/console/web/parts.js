// Pieces several console screens draw: state badges, fields, sortable headers, pages, two-step buttons, laptops, values.
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const h = FC.h;
  const S = (vi, en) => FC.s(vi, en);
  const kArmMs = 6000;  // an armed two-step button disarms itself after this long

  FC.enc = encodeURIComponent;

  /// A count as Vietnamese write it (10.000); English readers get 10,000.
  FC.count = (n) => new Intl.NumberFormat(FC.lang === 'en' ? 'en-GB' : 'vi-VN').format(Number(n) || 0);

  // The same words (from the API), colour and icon for each state everywhere (colours: base.css).
  const kStateIcons = {draft: '✎', finalized: '↑', submitted: '✉\uFE0E', approved: '✓', returned: '↩\uFE0E'};

  /// A State {code, label:{vi,en}} as a badge (data-state = its code); null gives nothing.
  FC.badge = function badge(state, id) {
    if (!state) return null;
    const code = state.code || 'draft';
    return h('span', {class: 'badge badge--' + code, 'data-state': code, id: id || null},
      h('span', {class: 'badge__icon', 'aria-hidden': 'true'}, kStateIcons[code] || '•'),
      FC.t(state.label) || code);
  };

  /// The four states the API filters on, with UI.md's words, for the filters' choices.
  FC.kStates = [
    {code: 'draft', label: {vi: 'Nháp', en: 'Draft'}},
    {code: 'submitted', label: {vi: 'Đã gửi', en: 'Submitted'}},
    {code: 'approved', label: {vi: 'Đã duyệt', en: 'Approved'}},
    {code: 'returned', label: {vi: 'Bị trả lại', en: 'Returned'}},
  ];

  /// A value the API gives in both languages in one text ("Có / Yes"): the half in the language
  /// chosen; any other text as it is.
  FC.oneLang = function oneLang(text) {
    if (typeof text !== 'string') return text;
    const parts = text.split(' / ');
    if (parts.length === 2 && parts[0].trim() && parts[1].trim() && !/\d$/.test(parts[0]) && !/^\d/.test(parts[1])) {
      return (FC.lang === 'en' ? parts[1] : parts[0]).trim();
    }
    return text;
  };

  /// A field's value as the API sends it (text, number, yes/no, list, {vi,en} or nothing), as people read it.
  FC.valueText = function valueText(v) {
    if (v === null || v === undefined || v === '') return S('(trống)', '(empty)');
    if (typeof v === 'boolean') return v ? S('Có', 'Yes') : S('Không', 'No');
    if (typeof v === 'number') return FC.count(v);
    if (Array.isArray(v)) return v.map(valueText).join(', ');
    if (typeof v === 'object') return ('vi' in v || 'en' in v) ? FC.t(v) : JSON.stringify(v);
    return FC.oneLang(String(v));
  };

  /// A laptop as the API names it in both languages at once ("máy / laptop J2KWAS"), in the language chosen.
  FC.deviceText = function deviceText(text) {
    const m = /^máy \/ laptop (.+)$/.exec(text || '');
    return m ? S('máy ', 'laptop ') + m[1] : FC.oneLang(text || '');
  };

  /// A labelled field: label above, an optional hint, then the control (GOV.UK's order).
  FC.field = function field(id, label, control, hint, extraClass) {
    return h('div', {class: 'field' + (extraClass ? ' ' + extraClass : '')},
      h('label', {class: 'label', for: id}, label),
      hint ? h('span', {class: 'hint', id: id + '-hint'}, hint) : null,
      control);
  };

  /// A <select> of `options` [{value, text}], `value` selected; the first option is "all" when `all` is given.
  FC.select = function select(id, options, value, all) {
    const el = h('select', {class: 'select', id, name: id},
      all ? h('option', {value: ''}, all) : null,
      options.map((o) => h('option', {value: o.value, selected: String(o.value) === String(value || '') ? true : null}, o.text)));
    if (value !== undefined && value !== null && options.some((o) => String(o.value) === String(value))) el.value = value;
    return el;
  };

  /// The districts of the caller's scope as a select (code values), the first choice "all" (value '').
  FC.districtSelect = function districtSelect(id, places, value) {
    const districts = (places && places.districts) || [];
    return FC.select(id, districts.map((d) => ({value: d.code, text: FC.t(d.name)})), value,
      S('Tất cả các huyện', 'All districts'));
  };

  /// A column header that sorts: a button in the th (aria-sort on the th), id sort-KEY.
  FC.sortHeader = function sortHeader(key, label, sort, order, onSort, extra) {
    const on = sort === key;
    const button = h('button', {type: 'button', class: 'sort-button', id: 'sort-' + key,
      'aria-label': label + (on ? (order === 'asc' ? S(', đang xếp tăng dần', ', sorted ascending') : S(', đang xếp giảm dần', ', sorted descending'))
        : S(', bấm để xếp theo cột này', ', press to sort by this column'))},
      label, h('span', {class: 'sort-button__arrow', 'aria-hidden': 'true'}, on ? (order === 'asc' ? ' ▲' : ' ▼') : ' ↕'));
    button.addEventListener('click', () => onSort(key, on && order === 'desc' ? 'asc' : on ? 'desc' : (key === 'day' ? 'desc' : 'asc')));
    return h('th', Object.assign({scope: 'col', 'aria-sort': on ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}, extra || {}), button);
  };

  /// "Trang 2 / 14" with previous and next (ids page-prev, page-next, page-info).
  FC.pager = function pager(page, perPage, total, capped, onPage) {
    const pages = Math.max(1, Math.ceil((total || 0) / (perPage || 50)));
    const prev = h('button', {type: 'button', class: 'button button--secondary', id: 'page-prev', disabled: page <= 1 ? true : null},
      S('← Trang trước', '← Previous'));
    const next = h('button', {type: 'button', class: 'button button--secondary', id: 'page-next', disabled: page >= pages ? true : null},
      S('Trang sau →', 'Next →'));
    prev.addEventListener('click', () => onPage(page - 1));
    next.addEventListener('click', () => onPage(page + 1));
    return h('nav', {class: 'pager', 'aria-label': S('Các trang', 'Pages')}, prev,
      h('span', {class: 'pager__info', id: 'page-info'}, S('Trang ', 'Page ') + FC.count(page) + ' / ' + FC.count(pages) + (capped ? '+' : '')),
      next);
  };

  /// A button that acts on its second press (the first arms it: data-armed="1", its text says
  /// press again); it disarms itself after a while or when the focus leaves it.
  FC.twoStep = function twoStep(attrs, label, armedLabel, action) {
    const button = h('button', Object.assign({type: 'button', class: 'button button--secondary button--small'}, attrs), label);
    let timer = null;
    const disarm = () => {
      clearTimeout(timer);
      if (!button.dataset.armed) return;
      delete button.dataset.armed;
      button.classList.remove('button--danger');
      button.textContent = label;
    };
    button.addEventListener('blur', disarm);
    button.addEventListener('click', FC.busy(button, async () => {
      if (!button.dataset.armed) {
        button.dataset.armed = '1';
        button.classList.add('button--danger');
        button.textContent = armedLabel;
        timer = setTimeout(disarm, kArmMs);
        return;
      }
      disarm();
      await action();
    }));
    return button;
  };

  /// Laptops (Device rows) as a table, #devices-table; `revoke(device)` when the user may revoke them.
  FC.deviceTable = function deviceTable(devices, revoke, caption) {
    if (!devices || !devices.length) return h('p', {class: 'empty', id: 'devices-empty'}, S('Không có máy nào.', 'No laptops.'));
    return h('div', {class: 'table-wrap'}, h('table', {class: 'table table--dense', id: 'devices-table', 'data-keys': ''},
      caption ? h('caption', {class: 'visually-hidden'}, caption) : null,
      h('thead', {}, h('tr', {},
        h('th', {scope: 'col'}, S('Máy', 'Laptop')),
        h('th', {scope: 'col'}, S('Người dùng', 'User')),
        h('th', {scope: 'col'}, S('Huyện', 'District')),
        h('th', {scope: 'col'}, S('Đăng ký', 'Enrolled')),
        h('th', {scope: 'col'}, S('Đồng bộ lần cuối', 'Last seen')),
        revoke ? h('th', {scope: 'col'}, h('span', {class: 'visually-hidden'}, S('Thao tác', 'Actions'))) : null)),
      h('tbody', {}, devices.map((d) => h('tr', {'data-device': d.id, 'data-revoked': d.revoked ? '1' : '0', class: d.revoked ? 'is-revoked' : null},
        h('th', {scope: 'row'}, h('span', {class: 'row-link', tabindex: '-1'}, d.name || d.id),
          d.revoked ? [' ', h('span', {class: 'tag tag--refused'}, S('đã thu hồi', 'revoked'))] : null,
          !d.revoked && d.stale ? [' ', h('span', {class: 'tag tag--unsent'}, S('lâu chưa đồng bộ', 'not seen lately'))] : null),
        h('td', {}, d.user ? h('a', {href: '/people/' + FC.enc(d.user)}, d.user) : ''),
        h('td', {}, d.district ? FC.t(d.district.name) : S('cả tỉnh', 'province')),
        h('td', {class: 'nowrap'}, d.enrolled_text || ''),
        h('td', {class: 'nowrap'}, d.last_seen_text || h('span', {class: 'muted'}, S('chưa lần nào', 'never'))),
        revoke ? h('td', {}, d.revoked ? null : FC.twoStep({class: 'button button--secondary button--small revoke-device', 'data-device': d.id},
          S('Thu hồi máy', 'Revoke laptop'), S('Bấm lần nữa để thu hồi', 'Press again to revoke'), () => revoke(d))) : null)))));
  };

  /// The address of an export: KIND in FORMAT, in the language chosen, with `filters` (empty ones dropped).
  FC.exportHref = function exportHref(kind, format, filters) {
    const q = new URLSearchParams({format, kind, lang: FC.lang});
    for (const [key, value] of Object.entries(filters || {})) if (value) q.set(key, value);
    return '/api/export?' + q.toString();
  };

  FC.kExportFormats = [['csv', 'CSV'], ['xlsx', 'Excel (XLSX)'], ['jsonl', 'JSON Lines']];

  /// A "no rows" line.
  FC.empty = (text, id) => h('p', {class: 'empty', id: id || null}, text);
})(window.FC);
