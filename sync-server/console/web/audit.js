// The audit log (/audit): who did what, when, from which laptop, newest first, filtered by user and action, more on demand.
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const h = FC.h;
  const S = (vi, en) => FC.s(vi, en);
  const kLimit = 100;

  async function screenAudit(ctx) {
    const f = {user: ctx.query.get('user') || '', action: ctx.query.get('action') || ''};
    const path = (before) => {
      const q = new URLSearchParams();
      if (f.user) q.set('user', f.user);
      if (f.action) q.set('action', f.action);
      if (before) q.set('before', before);
      q.set('limit', String(kLimit));
      return '/api/audit?' + q.toString();
    };
    let first = await ctx.load('GET', path());
    let rows = first.rows || [];
    let next = first.next_before || null;
    let body = null;

    const rowOf = (r) => h('tr', {'data-id': r.id},
      h('td', {class: 'nowrap'}, h('span', {class: 'row-link', tabindex: '-1'}, r.at_text || '')),
      h('td', {}, r.user || ''),
      h('td', {}, r.device_name ? FC.t(r.device_name) : h('span', {class: 'muted'}, '—')),
      h('td', {}, FC.t(r.action_label), ' ', h('code', {class: 'muted'}, r.action || '')),
      h('td', {class: 'audit-detail'}, r.detail || ''));

    async function apply(focusId) {
      ctx.setQuery(f);
      first = await ctx.load('GET', path());
      rows = first.rows || [];
      next = first.next_before || null;
      ctx.draw(draw);
      const el = document.getElementById(focusId);
      if (el) el.focus();
    }

    function draw() {
      const user = h('input', {class: 'input input--code', id: 'a-user', type: 'text', value: f.user, 'data-search': '', autocomplete: 'off', spellcheck: 'false'});
      const action = h('input', {class: 'input input--code', id: 'a-action', type: 'text', value: f.action, autocomplete: 'off', spellcheck: 'false'});
      const submit = h('button', {type: 'submit', class: 'button button--secondary', id: 'a-apply'}, S('Lọc', 'Filter'));
      const form = h('form', {class: 'filters', id: 'audit-filters', role: 'search', novalidate: true},
        FC.field('a-user', S('Người dùng', 'User'), user),
        FC.field('a-action', S('Việc làm', 'Action'), action, S('ví dụ login, review, revoke', 'e.g. login, review, revoke')),
        h('div', {class: 'field filters__actions'}, submit));
      form.addEventListener('submit', FC.busy(submit, async () => {
        f.user = user.value.trim();
        f.action = action.value.trim();
        await apply('a-apply');
      }));
      body = h('tbody', {}, rows.map(rowOf));
      const more = h('button', {type: 'button', class: 'button button--secondary', id: 'audit-more', hidden: next ? null : true},
        S('Xem cũ hơn', 'Show older'));
      more.addEventListener('click', FC.busy(more, async () => {
        const firstNew = rows.length;
        const page = await ctx.load('GET', path(next));
        const added = page.rows || [];
        rows = rows.concat(added);
        next = page.next_before || null;
        body.append(...added.map(rowOf));
        more.hidden = !next;
        const row = body.rows[firstNew];
        if (row) row.querySelector('.row-link').focus();
      }));
      return [
        FC.heading(S('Nhật ký', 'Audit log')),
        form,
        rows.length ? h('div', {class: 'table-wrap'}, h('table', {class: 'table table--dense', id: 'audit-table', 'data-keys': ''},
          h('caption', {class: 'visually-hidden'}, S('Ai đã làm gì, lúc nào, từ máy nào; mới nhất trước', 'Who did what, when, from which laptop; newest first')),
          h('thead', {}, h('tr', {},
            h('th', {scope: 'col'}, S('Lúc', 'When')),
            h('th', {scope: 'col'}, S('Người dùng', 'User')),
            h('th', {scope: 'col'}, S('Máy', 'Laptop')),
            h('th', {scope: 'col'}, S('Việc làm', 'Action')),
            h('th', {scope: 'col'}, S('Chi tiết', 'Detail')))),
          body)) : FC.empty(S('Không có dòng nào.', 'No entries.'), 'audit-empty'),
        more,
      ];
    }
    ctx.draw(draw);
  }

  FC.addScreen('audit', /^\/audit$/, screenAudit, (me) => me.may.audit);
})(window.FC);
