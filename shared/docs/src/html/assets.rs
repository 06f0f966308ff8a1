//! The inline stylesheet and script of the HTML page (no external resources): responsive
//! sidebar layout, method badges, print styles, and a small search filter that works on
//! server-rendered content (the page is fully readable with JavaScript off).

/// Content-Security-Policy for the page: nothing external, inline style and script only. Sent
/// as a header too by whoever serves the page (the web monitor).
pub const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

pub(crate) const CSS: &str = r#"
:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--panel:#f6f8fa;--line:#d1d9e0;--link:#0969da;--get:#1a7f37;--post:#0969da;--put:#9a6700;--patch:#8250df;--delete:#cf222e;--other:#59636e}
*{box-sizing:border-box}
body{margin:0;font:15px/1.55 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
code{background:var(--panel);padding:.1em .3em;border-radius:4px;word-break:break-word}
pre{background:var(--panel);padding:12px;border-radius:6px;overflow:auto;max-height:480px}
pre code{background:none;padding:0}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px}
.layout{display:flex;min-height:100vh}
nav.sidebar{width:300px;flex:none;position:sticky;top:0;height:100vh;overflow:auto;border-right:1px solid var(--line);background:var(--panel);padding:16px}
nav.sidebar .brand{font-weight:600;margin-bottom:8px}
nav.sidebar input{width:100%;padding:6px 8px;border:1px solid var(--line);border-radius:6px;margin-bottom:12px}
nav.sidebar ul{list-style:none;margin:0;padding:0}
nav.sidebar ul ul{padding-left:6px;margin-bottom:8px}
nav.sidebar li{margin:2px 0;font-size:13px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
nav.sidebar .group{font-weight:600;margin-top:8px}
nav.sidebar .group li{font-weight:400}
main{flex:1;min-width:0;padding:24px 40px;max-width:1100px}
h1{margin-top:0}h2{border-bottom:1px solid var(--line);padding-bottom:4px;margin-top:40px}
.op{border:1px solid var(--line);border-radius:8px;padding:4px 16px 12px;margin:16px 0}
.op h3{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.op.deprecated h3 .path{text-decoration:line-through}
.method{display:inline-block;min-width:64px;text-align:center;color:#fff;border-radius:4px;padding:1px 6px;font:600 12px/1.6 ui-monospace,monospace;background:var(--other)}
.method.get{background:var(--get)}.method.post{background:var(--post)}.method.put{background:var(--put)}.method.patch{background:var(--patch)}.method.delete{background:var(--delete)}
nav .method,ul.also .method{min-width:48px;font-size:10px;margin-right:4px}
table.mapping{width:auto}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;font-size:14px;display:block;overflow-x:auto}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--panel)}
.generated{font-size:11px;color:var(--muted);border:1px dashed var(--muted);border-radius:4px;padding:0 4px;margin-left:4px;font-style:italic}
.warn{color:var(--delete);font-weight:600}
.muted{color:var(--muted)}
.badge{font-size:12px;border:1px solid var(--line);border-radius:10px;padding:0 6px;margin-left:4px}
details.schema{border:1px solid var(--line);border-radius:8px;padding:4px 16px;margin:8px 0}
details.schema>summary{cursor:pointer}
details.schema>summary h3{display:inline;font-size:16px}
.score{font-size:28px;font-weight:600}
[hidden]{display:none!important}
@media (max-width:800px){.layout{display:block}nav.sidebar{position:static;width:auto;height:auto;max-height:50vh;border-right:0;border-bottom:1px solid var(--line)}main{padding:16px}}
@media print{nav.sidebar,.skip{display:none}main{max-width:none;padding:0}.op,details.schema{break-inside:avoid-page}pre{max-height:none;white-space:pre-wrap}a{color:inherit}}
"#;

pub(crate) const JS: &str = r#"
(function(){
  var f=document.getElementById('filter');
  if(f){f.addEventListener('input',function(){
    var q=f.value.toLowerCase().trim();
    var els=document.querySelectorAll('[data-search]');
    for(var i=0;i<els.length;i++){var el=els[i];el.hidden=q!==''&&el.getAttribute('data-search').indexOf(q)<0;}
  });}
  function openTarget(){var id=decodeURIComponent(location.hash.slice(1));var el=id&&document.getElementById(id);if(el&&el.tagName==='DETAILS'){el.open=true;}}
  window.addEventListener('hashchange',openTarget);openTarget();
  window.addEventListener('beforeprint',function(){var d=document.querySelectorAll('details');for(var i=0;i<d.length;i++){d[i].open=true;}});
})();
"#;
