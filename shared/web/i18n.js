// Vietnamese first, English on a switch: the language chosen, and bilingual texts shown in it.
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const kKey = 'fieldcheck.lang';
  FC.lang = (function () {
    try { return localStorage.getItem(kKey) === 'en' ? 'en' : 'vi'; } catch (e) { return 'vi'; }
  })();

  /// Switches the language and tells every listener (screens redraw themselves).
  FC.setLang = function setLang(lang) {
    FC.lang = lang === 'en' ? 'en' : 'vi';
    try { localStorage.setItem(kKey, FC.lang); } catch (e) { /* private window: this page only */ }
    document.documentElement.lang = FC.lang;
    document.dispatchEvent(new CustomEvent('fc-lang'));
  };

  /// A text the core sent as {vi, en}, in the language chosen.
  FC.t = function t(bilingual) {
    if (bilingual === null || bilingual === undefined) return '';
    if (typeof bilingual === 'string') return bilingual;
    return (FC.lang === 'en' ? bilingual.en : bilingual.vi) || bilingual.vi || bilingual.en || '';
  };

  /// A text the page itself says: FC.s('Lưu', 'Save').
  FC.s = function s(vi, en) {
    return FC.lang === 'en' ? en : vi;
  };
})(window.FC);
