// Changing one's own password (/password); the only screen of a user whose password is a one-time code until they change it.
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const h = FC.h;
  const S = (vi, en) => FC.s(vi, en);
  const kMinBytes = 8;  // API.md: a new password under 8 bytes is refused

  /// The screen; `ctx.forced`: the user logged in with a one-time code and may do nothing else yet.
  FC.passwordScreen = function passwordScreen(ctx) {
    const errors = {};  // field id -> {vi, en}, said beside the field
    const bytes = (text) => new TextEncoder().encode(text).length;

    function draw() {
      const input = (id, autocomplete) => h('input', {class: 'input input--password', id, type: 'password', autocomplete,
        'aria-describedby': (errors[id] ? id + '-error ' : '') + (id === 'password-new' ? 'password-new-hint' : ''), spellcheck: 'false'});
      const current = input('password-current', 'current-password');
      const fresh = input('password-new', 'new-password');
      const again = input('password-again', 'new-password');
      const field = (id, label, control, hint) => h('div', {class: 'field' + (errors[id] ? ' field--error' : '')},
        h('label', {class: 'label', for: id}, label),
        hint ? h('span', {class: 'hint', id: id + '-hint'}, hint) : null,
        errors[id] ? h('p', {class: 'error-message', id: id + '-error'}, FC.t(errors[id])) : null,
        control);
      const submit = h('button', {type: 'submit', class: 'button button--primary', id: 'password-submit'}, S('Đổi mật khẩu', 'Change password'));
      const form = h('form', {id: 'password-form', class: 'password-form', novalidate: true},
        field('password-current', ctx.forced ? S('Mật khẩu dùng một lần', 'One-time password') : S('Mật khẩu hiện tại', 'Current password'), current),
        field('password-new', S('Mật khẩu mới', 'New password'), fresh,
          S('Ít nhất 8 ký tự, khác mật khẩu dùng một lần.', 'At least 8 characters, not the one-time password.')),
        field('password-again', S('Nhập lại mật khẩu mới', 'The new password again'), again),
        h('div', {class: 'actions'}, submit));
      form.addEventListener('submit', FC.busy(submit, async () => {
        for (const k of Object.keys(errors)) delete errors[k];
        const values = {current: current.value, fresh: fresh.value, again: again.value};
        if (!values.current) errors['password-current'] = {vi: 'Hãy nhập mật khẩu hiện tại.', en: 'Type your current password.'};
        if (bytes(values.fresh) < kMinBytes) errors['password-new'] = {vi: 'Mật khẩu mới cần ít nhất 8 ký tự.', en: 'The new password needs at least 8 characters.'};
        else if (values.fresh !== values.again) errors['password-again'] = {vi: 'Hai lần nhập không giống nhau. Nhập lại.', en: 'The two do not match. Type it again.'};
        const refuse = (err) => {
          ctx.draw(draw);
          const first = Object.keys(errors)[0];
          if (first) document.getElementById(first).focus();
          throw err;
        };
        if (Object.keys(errors).length) {
          const first = errors[Object.keys(errors)[0]];
          refuse({status: 0, field: Object.keys(errors)[0], error: Object.assign({code: 'password_invalid', details: []}, first)});
        }
        try {
          await ctx.load('POST', '/api/password', {current: values.current, new: values.fresh});
        } catch (err) {
          if (err && err.status === 403 && err.error && err.error.code !== 'csrf' && err.error.code !== 'origin') {
            errors['password-current'] = err.error;
            err.field = 'password-current';
          } else if (err && err.status === 422) {
            errors['password-new'] = err.error;
            err.field = 'password-new';
          }
          refuse(err);
        }
        const forced = ctx.forced;
        await FC.passwordChanged();
        FC.say(forced ? {vi: 'Đã đổi mật khẩu. Từ nay dùng mật khẩu mới, cả trên máy kiểm tra.', en: 'Password changed. Use the new one from now on, on laptops too.'}
          : {vi: 'Đã đổi mật khẩu.', en: 'Password changed.'});
      }));
      return [
        FC.heading(ctx.forced ? S('Đặt mật khẩu của bạn', 'Set your password') : S('Đổi mật khẩu', 'Change password')),
        ctx.forced ? h('div', {class: 'notice notice--warning', id: 'password-forced'},
          h('p', {class: 'notice__title'}, S('Bạn đang dùng mật khẩu dùng một lần.', 'You are using a one-time password.')),
          h('p', {}, S('Hãy đặt mật khẩu của riêng bạn trước khi làm việc khác.', 'Set a password of your own before anything else.'))) : null,
        form,
      ];
    }
    ctx.draw(draw, ctx.forced ? '#password-current' : null);
  };

  FC.addScreen('password', /^\/password$/, (ctx) => FC.passwordScreen(ctx));
})(window.FC);
