// People (/people, /people/NAME): users, roles and districts; add one (a one-time code shown once), reset, revoke; their laptops, revoke a lost one.
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const h = FC.h;
  const S = (vi, en) => FC.s(vi, en);

  const kRoles = [
    {value: 'inspector', vi: 'Cán bộ kiểm tra', en: 'Inspector'},
    {value: 'supervisor', vi: 'Giám sát viên', en: 'Supervisor'},
    {value: 'provincial', vi: 'Cán bộ tỉnh', en: 'Provincial officer'},
    {value: 'admin', vi: 'Quản trị viên', en: 'Administrator'},
  ];

  /// The code an administrator hands over, once: {user, code, why: 'added'|'reset'}; kept while the screen is open.
  function codePanel(shown) {
    if (!shown) return null;
    return h('div', {class: 'notice notice--code', id: 'one-time-code-panel', tabindex: '-1', role: 'status'},
      h('p', {class: 'notice__title'}, shown.why === 'added'
        ? S('Đã thêm ' + shown.user + '. Mật khẩu dùng một lần:', shown.user + ' added. One-time password:')
        : S('Đã đặt lại mật khẩu của ' + shown.user + '. Mật khẩu dùng một lần:', shown.user + '\'s password reset. One-time password:')),
      h('p', {}, h('output', {id: 'one-time-code', class: 'one-time-code', 'data-user': shown.user}, shown.code)),
      h('p', {class: 'hint'}, S('Mã chỉ hiện lần này. Đưa tận tay cho ' + shown.user + '; họ phải đổi mật khẩu ngay lần đăng nhập đầu tiên (máy tính xách tay không đăng nhập được bằng mã này).',
        'The code is shown this once. Hand it to ' + shown.user + '; they must change it at their first login (laptops cannot log in with it).')));
  }

  /// Reset and revoke for one user (two steps each); `after(what, answer)` once done.
  function userActions(u, after) {
    if (u.revoked) return null;
    return [
      FC.twoStep({class: 'button button--secondary button--small reset-password', 'data-user': u.name},
        S('Đặt lại mật khẩu', 'Reset password'), S('Bấm lần nữa để đặt lại', 'Press again to reset'), async () => {
          const answer = await FC.call('POST', '/api/people/' + FC.enc(u.name) + '/reset', {});
          await after('reset', answer);
        }),
      ' ',
      FC.twoStep({class: 'button button--secondary button--small revoke-user', 'data-user': u.name},
        S('Thu hồi quyền', 'Revoke'), S('Bấm lần nữa để thu hồi', 'Press again to revoke'), async () => {
          const answer = await FC.call('POST', '/api/people/' + FC.enc(u.name) + '/revoke', {});
          await after('revoke', answer);
        }),
    ];
  }

  function standing(u) {
    if (u.revoked) return h('span', {class: 'tag tag--refused'}, S('Đã thu hồi', 'Revoked'));
    if (u.must_change_password) return h('span', {class: 'tag tag--unsent'}, S('Chờ đổi mật khẩu', 'Must change password'));
    return h('span', {class: 'tag tag--sent'}, S('Đang dùng', 'Active'));
  }

  async function screenPeople(ctx) {
    const places = await FC.places().catch(() => ({districts: []}));
    let data = await ctx.load('GET', '/api/people');
    let devices = await ctx.load('GET', '/api/devices').catch(() => ({devices: []}));
    let shown = null;   // the one-time code on show
    const form = {name: '', role: 'inspector', district: ''};
    let nameError = null;
    let roleError = null;
    let districtError = null;

    async function refresh() {
      data = await ctx.load('GET', '/api/people');
      devices = await ctx.load('GET', '/api/devices').catch(() => ({devices: []}));
    }

    async function after(what, answer, u) {
      if (what === 'reset') shown = {user: u.name, code: answer.one_time_code, why: 'reset'};
      await refresh();
      ctx.draw(draw);
      if (what === 'reset') document.getElementById('one-time-code-panel').focus();
      else {
        FC.say({vi: 'Đã thu hồi quyền của ' + u.name + '; máy và phiên làm việc của họ mất quyền ngay.',
          en: u.name + ' revoked; their laptops and sessions lost access at once.'});
        const row = document.querySelector('#people-table tr[data-user="' + CSS.escape(u.name) + '"] a');
        if (row) row.focus();
      }
    }

    async function add() {
      nameError = null;
      roleError = null;
      districtError = null;
      const body = {name: form.name.trim(), role: form.role, district: form.district || null};
      if (!body.name) {
        nameError = {vi: 'Hãy nhập tên đăng nhập, ví dụ lan.nguyen.', en: 'Type a user name, for example lan.nguyen.'};
        ctx.draw(draw);
        document.getElementById('people-name').focus();
        throw {status: 0, field: 'people-name', error: Object.assign({code: 'name_required', details: []}, nameError)};
      }
      let answer;
      try {
        answer = await ctx.load('POST', '/api/people', body);
      } catch (err) {
        if (err && (err.status === 422 || err.status === 409) && err.error) {
          // The server says which field the error is about (`error.field`); the name when it says none.
          const about = err.error.field || 'name';
          if (about === 'district') districtError = err.error;
          else if (about === 'role') roleError = err.error;
          else nameError = err.error;
          err.field = 'people-' + (about === 'district' || about === 'role' ? about : 'name');
        }
        ctx.draw(draw);
        throw err;
      }
      const user = (answer.user && answer.user.name) || answer.user || body.name;
      shown = {user: typeof user === 'string' ? user : body.name, code: answer.one_time_code, why: 'added'};
      form.name = '';
      await refresh();
      ctx.draw(draw);
      document.getElementById('one-time-code-panel').focus();
    }

    function addForm() {
      const name = h('input', {class: 'input input--code', id: 'people-name', type: 'text', value: form.name, autocomplete: 'off',
        autocapitalize: 'none', spellcheck: 'false', 'aria-describedby': nameError ? 'people-name-error' : null});
      name.addEventListener('input', () => { form.name = name.value; });
      const role = FC.select('people-role', kRoles.map((r) => ({value: r.value, text: S(r.vi, r.en)})), form.role);
      role.addEventListener('change', () => { form.role = role.value; });
      const districts = (places.districts || []).map((d) => ({value: d.code, text: FC.t(d.name)}));
      const district = FC.select('people-district', districts, form.district, S('Cả tỉnh (không thuộc huyện nào)', 'The whole province (no district)'));
      district.addEventListener('change', () => { form.district = district.value; });
      const submit = h('button', {type: 'submit', class: 'button button--primary', id: 'people-submit'}, S('Thêm người dùng', 'Add user'));
      const el = h('form', {class: 'filters people-form', id: 'people-form', novalidate: true, 'aria-labelledby': 'people-add-title'},
        h('div', {class: 'field' + (nameError ? ' field--error' : '')},
          h('label', {class: 'label', for: 'people-name'}, S('Tên đăng nhập', 'User name')),
          nameError ? h('p', {class: 'error-message', id: 'people-name-error'}, FC.t(nameError)) : null,
          name),
        h('div', {class: 'field' + (roleError ? ' field--error' : '')},
          h('label', {class: 'label', for: 'people-role'}, S('Vai trò', 'Role')),
          roleError ? h('p', {class: 'error-message', id: 'people-role-error'}, FC.t(roleError)) : null,
          role),
        h('div', {class: 'field' + (districtError ? ' field--error' : '')},
          h('label', {class: 'label', for: 'people-district'}, S('Huyện', 'District')),
          districtError ? h('p', {class: 'error-message', id: 'people-district-error'}, FC.t(districtError)) : null,
          district),
        h('div', {class: 'field filters__actions'}, submit));
      el.addEventListener('submit', FC.busy(submit, add));
      return h('section', {class: 'section', 'aria-labelledby': 'people-add-title'},
        h('h2', {id: 'people-add-title'}, S('Thêm người dùng', 'Add a user')),
        h('p', {class: 'hint'}, S('Cán bộ kiểm tra phải thuộc một huyện; cán bộ tỉnh và quản trị viên thì không.',
          'An inspector belongs to one district; provincial officers and administrators to none.')),
        el);
    }

    function table() {
      const users = data.users || [];
      return h('div', {class: 'table-wrap'}, h('table', {class: 'table table--dense', id: 'people-table', 'data-keys': ''},
        h('caption', {class: 'visually-hidden'}, S('Người dùng', 'Users')),
        h('thead', {}, h('tr', {},
          h('th', {scope: 'col'}, S('Tên đăng nhập', 'User name')),
          h('th', {scope: 'col'}, S('Vai trò', 'Role')),
          h('th', {scope: 'col'}, S('Huyện', 'District')),
          h('th', {scope: 'col'}, S('Tình trạng', 'Status')),
          h('th', {scope: 'col', class: 'num'}, S('Máy', 'Laptops')),
          h('th', {scope: 'col'}, S('Đồng bộ lần cuối', 'Last seen')),
          h('th', {scope: 'col'}, S('Tạo lúc', 'Created')),
          h('th', {scope: 'col'}, h('span', {class: 'visually-hidden'}, S('Thao tác', 'Actions'))))),
        h('tbody', {}, users.map((u) => h('tr', {'data-user': u.name, 'data-revoked': u.revoked ? '1' : '0', class: u.revoked ? 'is-revoked' : null},
          h('td', {}, h('a', {href: '/people/' + FC.enc(u.name), class: 'row-link'}, u.name)),
          h('td', {}, FC.t(u.role_label) || u.role),
          h('td', {}, u.district ? FC.t(u.district.name) : h('span', {class: 'muted'}, S('cả tỉnh', 'province'))),
          h('td', {}, standing(u)),
          h('td', {class: 'num'}, FC.count(u.devices || 0)),
          h('td', {class: 'nowrap'}, u.last_seen_text || h('span', {class: 'muted'}, S('chưa lần nào', 'never'))),
          h('td', {class: 'nowrap muted'}, u.created_text || ''),
          h('td', {class: 'actions-cell'}, userActions(u, (what, answer) => after(what, answer, u))))))));
    }

    function draw() {
      return [
        FC.heading(S('Người dùng', 'People')),
        codePanel(shown),
        addForm(),
        h('section', {class: 'section', 'aria-labelledby': 'people-list-title'},
          h('h2', {id: 'people-list-title'}, S('Danh sách', 'Users') + ' (' + FC.count((data.users || []).length) + ')'),
          table()),
        h('section', {class: 'section', 'aria-labelledby': 'people-devices-title'},
          h('h2', {id: 'people-devices-title'}, S('Tất cả các máy', 'Every laptop')),
          FC.deviceTable(devices.devices || [], revokeDevice, S('Tất cả các máy', 'Every laptop'))),
      ];
    }

    async function revokeDevice(d) {
      await FC.call('POST', '/api/devices/' + FC.enc(d.id) + '/revoke', {});
      await refresh();
      ctx.draw(draw);
      FC.say({vi: 'Đã thu hồi máy ' + (d.name || d.id) + '; lần đồng bộ sau của máy sẽ bị từ chối.',
        en: 'Laptop ' + (d.name || d.id) + ' revoked; its next sync will be refused.'});
    }

    ctx.draw(draw);
  }

  async function screenPerson(ctx) {
    const name = ctx.params[0];
    const people = await ctx.load('GET', '/api/people');
    let user = (people.users || []).find((u) => u.name === name);
    if (!user) throw {status: 404, error: {code: 'not_found', vi: 'Không có người dùng ' + name + '.', en: 'There is no user ' + name + '.', details: []}};
    let devices = await ctx.load('GET', '/api/people/' + FC.enc(name) + '/devices');
    let shown = null;

    async function refresh() {
      const again = await ctx.load('GET', '/api/people');
      user = (again.users || []).find((u) => u.name === name) || user;
      devices = await ctx.load('GET', '/api/people/' + FC.enc(name) + '/devices');
    }

    function draw() {
      return [
        h('p', {class: 'breadcrumb'}, h('a', {href: '/people'}, S('← Người dùng', '← People'))),
        FC.heading(user.name),
        codePanel(shown),
        h('dl', {class: 'summary-list', id: 'person-summary'},
          h('div', {class: 'summary-list__row'}, h('dt', {}, S('Vai trò', 'Role')), h('dd', {}, FC.t(user.role_label) || user.role)),
          h('div', {class: 'summary-list__row'}, h('dt', {}, S('Huyện', 'District')), h('dd', {}, user.district ? FC.t(user.district.name) : S('cả tỉnh', 'province'))),
          h('div', {class: 'summary-list__row'}, h('dt', {}, S('Tình trạng', 'Status')), h('dd', {}, standing(user))),
          h('div', {class: 'summary-list__row'}, h('dt', {}, S('Tạo lúc', 'Created')), h('dd', {}, user.created_text || ''))),
        h('p', {class: 'record-links'}, userActions(user, async (what, answer) => {
          if (what === 'reset') shown = {user: name, code: answer.one_time_code, why: 'reset'};
          await refresh();
          ctx.draw(draw);
          if (what === 'reset') document.getElementById('one-time-code-panel').focus();
          else FC.say({vi: 'Đã thu hồi quyền của ' + name + '.', en: name + ' revoked.'});
        })),
        h('section', {class: 'section', 'aria-labelledby': 'person-devices-title'},
          h('h2', {id: 'person-devices-title'}, S('Các máy của ', 'Laptops of ') + name),
          FC.deviceTable(devices.devices || [], async (d) => {
            await FC.call('POST', '/api/devices/' + FC.enc(d.id) + '/revoke', {});
            await refresh();
            ctx.draw(draw);
            FC.say({vi: 'Đã thu hồi máy ' + (d.name || d.id) + '; lần đồng bộ sau của máy sẽ bị từ chối.',
              en: 'Laptop ' + (d.name || d.id) + ' revoked; its next sync will be refused.'});
          }, S('Các máy', 'Laptops'))),
      ];
    }
    ctx.draw(draw);
  }

  FC.addScreen('people', /^\/people$/, screenPeople, (me) => me.may.manage_people);
  FC.addScreen('person', /^\/people\/([^/]+)$/, screenPerson, (me) => me.may.manage_people);
})(window.FC);
