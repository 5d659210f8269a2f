// Conflicts: the list (/conflicts) and one conflict side by side per question, chosen per question and resolved (/conflicts/N).
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const h = FC.h;
  const S = (vi, en) => FC.s(vi, en);

  async function screenConflicts(ctx) {
    let all = ctx.query.get('all') === '1';
    let district = ctx.query.get('district') || '';
    const places = await FC.places().catch(() => ({districts: []}));
    const path = () => '/api/conflicts?' + new URLSearchParams(Object.assign(all ? {all: '1'} : {}, district ? {district} : {})).toString();
    let data = await ctx.load('GET', path());

    async function reload(focusId) {
      ctx.setQuery({all: all ? '1' : '', district});
      data = await ctx.load('GET', path());
      ctx.draw(draw);
      const el = document.getElementById(focusId);
      if (el) el.focus();
    }

    function draw() {
      const rows = data.rows || [];
      const allBox = h('input', {type: 'checkbox', class: 'checkbox', id: 'conflicts-all', checked: all ? true : null});
      allBox.addEventListener('change', () => { all = allBox.checked; reload('conflicts-all').catch(FC.showError); });
      const select = FC.districtSelect('c-district', places, district);
      select.addEventListener('change', () => { district = select.value; reload('c-district').catch(FC.showError); });
      return [
        FC.heading(S('Xung đột', 'Conflicts')),
        h('p', {class: 'lede'}, S('Hai máy đã sửa cùng một câu trả lời khác nhau. Chọn giá trị đúng cho từng câu.',
          'Two laptops changed the same answer differently. Choose the right value for each question.')),
        h('form', {class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault()},
          (places.districts || []).length > 1 ? FC.field('c-district', S('Huyện', 'District'), select) : null,
          h('div', {class: 'field field--check'}, allBox, h('label', {for: 'conflicts-all'}, S('Cả các xung đột đã giải quyết', 'Resolved ones too')))),
        rows.length ? h('div', {class: 'table-wrap'}, h('table', {class: 'table table--dense', id: 'conflicts-table', 'data-keys': ''},
          h('caption', {class: 'visually-hidden'}, S('Các xung đột', 'Conflicts')),
          h('thead', {}, h('tr', {},
            h('th', {scope: 'col', class: 'col-number'}, S('Xung đột', 'Conflict')),
            h('th', {scope: 'col'}, S('Phiếu', 'Record')),
            h('th', {scope: 'col'}, S('Huyện', 'District')),
            h('th', {scope: 'col'}, S('Câu hỏi', 'Questions')),
            h('th', {scope: 'col'}, S('Phát hiện lúc', 'Opened')),
            h('th', {scope: 'col'}, S('Tình trạng', 'Status')))),
          h('tbody', {}, rows.map((r) => h('tr', {'data-number': r.number, 'data-open': r.open ? '1' : '0'},
            h('td', {class: 'nowrap'}, h('a', {href: '/conflicts/' + FC.enc(r.number), class: 'row-link'}, '#' + r.number)),
            h('td', {}, r.record ? [(r.record.number || r.record.code) && !FC.t(r.record.title).startsWith(r.record.number || r.record.code)
              ? [h('span', {class: 'code'}, r.record.number || r.record.code), ' '] : null, FC.t(r.record.title)] : ''),
            h('td', {}, FC.t(r.district && r.district.name)),
            h('td', {}, (r.fields || []).map((x) => FC.t(x)).join(', ')),
            h('td', {class: 'nowrap'}, r.opened_text || ''),
            h('td', {}, r.open ? h('span', {class: 'tag tag--refused'}, S('Chưa giải quyết', 'Open'))
              : h('span', {class: 'tag tag--sent'}, S('Đã giải quyết', 'Resolved'))))))))
          : FC.empty(all ? S('Không có xung đột nào.', 'No conflicts.') : S('Không có xung đột nào đang chờ.', 'No open conflicts.'), 'conflicts-empty'),
      ];
    }
    ctx.draw(draw);
  }

  async function screenConflict(ctx) {
    const number = ctx.params[0];
    let data = await ctx.load('GET', '/api/conflicts/' + FC.enc(number));
    const choices = {};  // field index -> {take: applied|other|set, value}: kept across language switches
    let undecided = new Set();

    const keyOf = (f) => f.field || '';
    const side = (f, which) => [f[which + '_by'], f[which + '_when'], f[which + '_device'] ? FC.deviceText(f[which + '_device']) : null]
      .filter(Boolean).join(' · ');

    function fieldset(f, i) {
      // Choices are offered only to who may decide, while the conflict is open.
      const open = !!data.open && (data.may ? !!data.may.resolve : FC.may('resolve'));
      const label = FC.t(f.label) || (f.field ? f.field : S('Cả phiếu (xoá hay giữ)', 'The whole record (deleted or kept)'));
      const c = choices[i] || (choices[i] = {take: '', value: ''});
      const option = (value, title, body) => {
        const id = 'take-' + i + '-' + value;
        const input = h('input', {type: 'radio', class: 'radio', name: 'take-' + i, id, value, 'data-field': keyOf(f),
          checked: c.take === value ? true : null, disabled: open ? null : true});
        input.addEventListener('change', () => {
          if (!input.checked) return;
          c.take = value;
          undecided.delete(i);
          const set = document.getElementById('set-' + i);
          if (value === 'set' && set) set.focus();
        });
        return h('div', {class: 'choice-card choice-card--' + value},
          h('div', {class: 'choice-card__head'}, input, h('label', {for: id}, title)),
          body);
      };
      let typed = null;
      if (f.field) {
        const text = h('input', {type: 'text', class: 'input input--cell conflict-set', id: 'set-' + i, 'data-field': keyOf(f),
          value: c.value, disabled: open ? null : true, autocomplete: 'off', 'aria-label': S('Giá trị mới cho ', 'New value for ') + label});
        text.addEventListener('input', () => {
          c.value = text.value;
          c.take = 'set';
          undecided.delete(i);
          const r = document.getElementById('take-' + i + '-set');
          if (r) r.checked = true;
        });
        typed = option('set', S('Nhập giá trị khác', 'Type another value'), text);
      }
      const d = f.decision;
      const kTaken = {applied: S('giữ giá trị đang áp dụng', 'kept the value applied'), other: S('lấy giá trị kia', 'took the other value'),
        set: S('nhập giá trị khác', 'typed another value')};
      return h('fieldset', {class: 'conflict-field' + (undecided.has(i) ? ' field--error' : ''), 'data-field': keyOf(f), id: 'conflict-field-' + i},
        h('legend', {class: 'conflict-field__legend'}, label),
        d ? h('p', {class: 'conflict-field__decision', 'data-taken': d.taken},
          h('strong', {}, S('Đã quyết định: ', 'Decided: ')), h('span', {class: 'conflict-decision__value'}, FC.valueText(d.value)),
          ' — ' + (kTaken[d.taken] || d.taken) + ', ' + [d.by, d.when].filter(Boolean).join(' · ')) : null,
        undecided.has(i) ? h('p', {class: 'error-message'}, S('Hãy chọn một giá trị.', 'Choose a value.')) : null,
        h('div', {class: 'conflict-field__grid'},
          h('div', {class: 'choice-card choice-card--base'},
            h('div', {class: 'choice-card__head muted'}, S('Giá trị trước đó', 'Value before')),
            h('p', {class: 'choice-card__value'}, FC.valueText(f.base))),
          option('applied', S('Giữ giá trị đang áp dụng', 'Keep the value applied'), [
            h('p', {class: 'choice-card__value'}, FC.valueText(f.applied)),
            h('p', {class: 'choice-card__who muted'}, side(f, 'applied'))]),
          option('other', S('Lấy giá trị kia', 'Take the other value'), [
            h('p', {class: 'choice-card__value'}, FC.valueText(f.other)),
            h('p', {class: 'choice-card__who muted'}, side(f, 'other'))]),
          typed));
    }

    async function resolve() {
      const takes = [], sets = [];
      undecided = new Set();
      (data.fields || []).forEach((f, i) => {
        const c = choices[i] || {};
        if (c.take === 'applied' || c.take === 'other') takes.push(f.field ? f.field + '=' + c.take : c.take);
        else if (c.take === 'set' && f.field) sets.push(f.field + '=' + c.value);
        else undecided.add(i);
      });
      if (undecided.size) {
        const names = (lang) => Array.from(undecided).map((i) => {
          const f = data.fields[i];
          return (f.label && f.label[lang]) || f.field || (lang === 'vi' ? 'cả phiếu' : 'the whole record');
        }).join(', ');
        ctx.draw(draw);
        const first = document.querySelector('input[name="take-' + Array.from(undecided)[0] + '"]');
        if (first) first.focus();
        throw {status: 0, field: 'take-' + Array.from(undecided)[0] + '-applied', error: {code: 'decision_incomplete', vi: 'Hãy chọn cho từng câu hỏi: ' + names('vi') + '.',
          en: 'Choose for each question: ' + names('en') + '.', details: []}};
      }
      data = await ctx.load('POST', '/api/conflicts/' + FC.enc(number) + '/resolve', {takes, sets});
      ctx.draw(draw);
      FC.say({vi: 'Đã giải quyết xung đột #' + (data.number || number) + '. Các máy nhận kết quả ở lần đồng bộ sau.',
        en: 'Conflict #' + (data.number || number) + ' resolved. The laptops get the decision at their next sync.'});
      const state = document.getElementById('conflict-state');
      if (state) state.focus();
    }

    /// The record in conflict, linked: an inspection or report by its number, an establishment by its id (with its code).
    function recordLink(rec) {
      if (rec.kind === 'establishment' && rec.id) {
        return [S('Cơ sở ', 'Establishment '), h('a', {href: '/establishments/' + FC.enc(rec.id), id: 'conflict-record'},
          (rec.code && !FC.t(rec.title).startsWith(rec.code) ? rec.code + ' ' : '') + FC.t(rec.title))];
      }
      if (rec.number) return [S('Phiếu ', 'Record '), h('a', {href: '/inspections/' + FC.enc(rec.number), id: 'conflict-record'}, rec.number), ' · ', FC.t(rec.title)];
      return [S('Hồ sơ ', 'Record of '), FC.t(rec.title)];
    }

    function draw() {
      const open = !!data.open;
      const mayResolve = (data.may ? !!data.may.resolve : FC.may('resolve')) && open;
      const submit = mayResolve ? h('button', {type: 'submit', class: 'button button--primary', id: 'resolve-submit'}, S('Giải quyết', 'Resolve')) : null;
      const form = h('form', {class: 'conflict-form', id: 'conflict-form', novalidate: true},
        (data.fields || []).map(fieldset),
        submit ? h('div', {class: 'actions'}, submit) : null);
      if (submit) form.addEventListener('submit', FC.busy(submit, resolve));
      const rec = data.record || {};
      return [
        h('p', {class: 'breadcrumb'}, h('a', {href: '/conflicts'}, S('← Danh sách xung đột', '← Conflicts'))),
        FC.heading(S('Xung đột #', 'Conflict #') + (data.number || number)),
        h('p', {class: 'record-head__meta'},
          h('span', {id: 'conflict-state', tabindex: '-1', 'data-open': open ? '1' : '0',
            class: 'tag ' + (open ? 'tag--refused' : 'tag--sent')},
          open ? S('Chưa giải quyết', 'Open') : S('Đã giải quyết', 'Resolved') + (data.resolved_by ? S(' bởi ', ' by ') + data.resolved_by : '')),
          ' ', recordLink(rec), ' · ', FC.t(data.district && data.district.name)),
        open ? h('p', {}, mayResolve
          ? S('Với mỗi câu hỏi: giữ giá trị đang áp dụng, lấy giá trị kia, hoặc nhập giá trị đúng. Rồi bấm "Giải quyết".',
            'For each question: keep the value applied, take the other, or type the right one. Then press "Resolve".')
          : S('Bạn chỉ được xem xung đột này.', 'You may only read this conflict.')) : null,
        form,
      ];
    }
    ctx.draw(draw);
  }

  FC.addScreen('conflicts', /^\/conflicts$/, screenConflicts);
  FC.addScreen('conflict', /^\/conflicts\/([^/]+)$/, screenConflict);
})(window.FC);
