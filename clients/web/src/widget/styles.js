/* The widget's whole stylesheet, put into its shadow root (widget.js `mount`): the host page's
 * styles and these never mix. */
export const STYLE = `
:host{all:initial}
*{box-sizing:border-box}
.root{--brand:#4f46e5;--ink:#1d2330;--muted:#667085;--line:#e7e9ee;--soft:#f2f4f7;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);-webkit-font-smoothing:antialiased}
button{font:inherit;color:inherit;background:none;border:0;padding:0;cursor:pointer}
button:focus-visible,a:focus-visible,textarea:focus-visible,input:focus-visible,.msg:focus-visible{outline:2px solid var(--brand);outline-offset:2px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
[hidden]{display:none!important}
.launcher{position:fixed;right:20px;bottom:20px;width:60px;height:60px;border-radius:50%;background:var(--brand);color:#fff;display:grid;place-items:center;box-shadow:0 6px 20px rgba(16,24,40,.28);transition:transform .15s ease;z-index:2147483000}
.launcher:hover{transform:scale(1.06)}
.launcher:focus-visible{outline:3px solid #fff;box-shadow:0 0 0 5px var(--brand)}
.launcher .count{position:absolute;top:-3px;right:-3px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#e5484d;color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center;border:2px solid #fff}
.preview{position:fixed;right:20px;bottom:92px;max-width:300px;background:#fff;border-radius:14px;padding:12px 14px;box-shadow:0 8px 30px rgba(16,24,40,.18);text-align:left;z-index:2147483000;display:flex;gap:10px;align-items:flex-start;animation:pop .2s ease}
.preview b{display:block;font-size:13px}.preview span{color:var(--muted);font-size:13px}
.panel{position:fixed;right:20px;bottom:92px;width:384px;height:min(680px,calc(100vh - 116px));background:#fff;border-radius:18px;box-shadow:0 16px 56px rgba(16,24,40,.22),0 0 0 1px rgba(16,24,40,.05);display:flex;flex-direction:column;overflow:hidden;z-index:2147483001;animation:pop .18s ease}
@keyframes pop{from{opacity:0;transform:translateY(12px) scale(.98)}to{opacity:1;transform:none}}
@media (prefers-reduced-motion:reduce){.panel,.preview{animation:none}.launcher{transition:none}}
.head{background:linear-gradient(135deg,var(--brand),color-mix(in srgb,var(--brand) 70%,#000));color:#fff;padding:14px 12px 14px 16px;display:flex;align-items:center;gap:10px;flex:none}
.head h2{margin:0;font-size:16px;font-weight:650;letter-spacing:-.01em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.head p{margin:1px 0 0;font-size:12.5px;opacity:.85;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.titles{flex:1;min-width:0}
.ibtn{width:34px;height:34px;border-radius:10px;display:grid;place-items:center;position:relative;flex:none}
.ibtn:hover{background:rgba(255,255,255,.16)}
.ibtn:focus-visible{outline-color:#fff}
.ibtn .dot{position:absolute;top:2px;right:1px;min-width:16px;height:16px;border-radius:8px;background:#e5484d;font-size:10.5px;font-weight:700;line-height:16px;padding:0 4px;border:1.5px solid #fff}
.stack{display:flex}
.stack .av{width:30px;height:30px;font-size:11px;border:2px solid #fff;margin-left:-8px}
.stack .av:first-child{margin-left:0}
.banner{flex:none;padding:7px 14px;font-size:12.5px;background:#fff7e6;color:#8a5a00;border-bottom:1px solid #f3e2bd;display:flex;gap:8px;align-items:center}
.banner.bad{background:#fdecec;color:#a1262b;border-color:#f5c9cb}
.spin{width:12px;height:12px;border:2px solid currentColor;border-right-color:transparent;border-radius:50%;animation:spin .8s linear infinite;flex:none}
@keyframes spin{to{transform:rotate(1turn)}}
.view{flex:1;min-height:0;display:flex;flex-direction:column}
.scroll{flex:1;overflow-y:auto;overscroll-behavior:contain;padding:8px 0 4px;position:relative}
.older{display:block;margin:6px auto 10px;font-size:12.5px;color:var(--muted);padding:4px 10px;border-radius:999px}
.older:hover{background:var(--soft)}
.start{text-align:center;color:var(--muted);font-size:12.5px;margin:14px 24px 18px}
.start b{display:block;color:var(--ink);font-size:14px;margin-bottom:2px}
ol.msgs{list-style:none;margin:0;padding:0 14px}
.msg{display:flex;gap:10px;padding:6px 4px 2px;border-radius:12px;position:relative;outline-offset:0}
.msg.grouped{padding-top:1px}
.msg.grouped .av,.msg.grouped .meta{visibility:hidden;height:0}
.msg.grouped .av{height:0}
.msg.flash{background:color-mix(in srgb,var(--brand) 10%,#fff);transition:background .6s}
.msg.parley-linked{background:#fff6dd;box-shadow:0 0 0 2px #f0c36d}
.av{width:32px;height:32px;border-radius:50%;flex:none;display:grid;place-items:center;color:#fff;font-size:12px;font-weight:650;background:hsl(var(--h,220) 48% 46%)}
.content{min-width:0;flex:1;display:flex;flex-direction:column;align-items:flex-start}
.meta{display:flex;align-items:center;gap:6px;font-size:12.5px;color:var(--muted);margin-bottom:2px;flex-wrap:wrap}
.name{font-weight:650;color:var(--ink);border-radius:4px}
button.name:hover{text-decoration:underline}
.badge{display:inline-flex;align-items:center;gap:3px;font-size:10.5px;font-weight:700;letter-spacing:.02em;text-transform:uppercase;padding:1px 6px;border-radius:999px}
.badge.staff{background:color-mix(in srgb,var(--brand) 14%,#fff);color:color-mix(in srgb,var(--brand) 80%,#000)}
.badge.advocate{background:#fff4d6;color:#8a5a00}
.badge.bot{background:#e8f5ee;color:#1e6b46}
time{font-size:11.5px}
.bubble{background:var(--soft);border-radius:4px 16px 16px 16px;padding:8px 12px;max-width:100%;white-space:pre-wrap;overflow-wrap:anywhere}
.msg.grouped .bubble{border-radius:16px}
.bubble a{color:inherit;text-decoration:underline}
.msg.mine{flex-direction:row-reverse}
.msg.mine .av{display:none}
.msg.mine .content{align-items:flex-end}
.msg.mine .meta{flex-direction:row-reverse}
.msg.mine .bubble{background:var(--brand);color:#fff;border-radius:16px 4px 16px 16px}
.msg.mentioned .bubble{background:#fff6dd;box-shadow:inset 3px 0 0 #d08a00}
.msg.mine.grouped .bubble{border-radius:16px}
.msg.pending .bubble{opacity:.65}
.msg.failed .bubble{background:#fdecec;color:#a1262b;opacity:1}
.state{font-size:11.5px;color:var(--muted);display:flex;gap:6px;align-items:center;margin-top:2px}
.state button{color:var(--brand);font-weight:600;text-decoration:underline}
.msg.failed .state{color:#a1262b}
.msg.mine .state{justify-content:flex-end;text-align:right;flex-wrap:wrap}
.quote{display:block;text-align:left;font-size:12.5px;color:var(--muted);border-left:3px solid color-mix(in srgb,var(--brand) 45%,#fff);padding:1px 8px;margin:2px 0 4px;max-width:100%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.quote b{color:var(--ink);font-weight:600}
.acts{position:absolute;top:-12px;right:6px;display:flex;gap:1px;padding:2px;background:#fff;border:1px solid var(--line);border-radius:10px;box-shadow:0 2px 8px rgba(16,24,40,.1);opacity:0;pointer-events:none;z-index:2;transition:opacity .12s}
.msg.mine .acts{right:auto;left:6px}
.msg:hover .acts,.msg:focus-within .acts,.msg:focus .acts,.msg.menu-open .acts{opacity:1;pointer-events:auto}
.acts .act{width:28px;height:26px;justify-content:center;padding:0}
.act{font-size:12px;color:var(--muted);display:inline-flex;gap:4px;align-items:center;padding:2px 6px;border-radius:7px}
.act:hover{background:var(--soft);color:var(--ink)}
@media (hover:none){.acts{position:static;opacity:1;pointer-events:auto;border:0;box-shadow:none;background:none;padding:0;margin-top:2px}.msg.mine .acts{align-self:flex-end}}
.edited{font-size:11px;color:var(--muted)}
.bubble.tomb{background:none;border:1px dashed #d0d5dd;color:var(--muted);font-style:italic;font-size:13px}
.msg.mine .bubble.tomb{background:none;color:var(--muted)}
.rx{display:flex;flex-wrap:wrap;gap:4px;margin-top:4px}
.rx .act{border:1px solid var(--line);background:#fff;border-radius:999px;padding:1px 8px 1px 6px;font-size:12.5px;color:var(--ink);height:24px}
.rx .act[aria-pressed="true"]{border-color:color-mix(in srgb,var(--brand) 55%,#fff);background:color-mix(in srgb,var(--brand) 9%,#fff);color:color-mix(in srgb,var(--brand) 80%,#000);font-weight:600}
.rx .act .e{font-size:14px;line-height:1}
.answer{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-top:5px}
.mark{display:inline-flex;align-items:center;gap:5px;font-size:12.5px;font-weight:600;border:1px solid #d0d5dd;border-radius:999px;padding:3px 10px;background:#fff;color:var(--ink)}
.mark:hover{border-color:var(--brand);color:var(--brand)}
.mark.accept{border-color:#9bd3b3;color:#146c43}
.mark.accept:hover{background:#ecf8f1;border-color:#146c43;color:#146c43}
.pill{display:inline-flex;align-items:center;gap:4px;font-size:12px;font-weight:600;border-radius:999px;padding:2px 9px}
.pill.helpful{background:#eef4ff;color:#3046a8}
.tag-accepted{display:inline-flex;align-items:center;gap:4px;font-size:11.5px;font-weight:700;color:#146c43;margin:0 0 3px}
.msg.accepted .bubble{background:#ecf8f1;color:var(--ink);box-shadow:inset 0 0 0 1.5px #5cb88a}
.msg.mine.accepted .bubble{background:var(--brand);color:#fff;box-shadow:0 0 0 2px #fff,0 0 0 3.5px #5cb88a}
.solution{display:flex;gap:8px;align-items:flex-start;text-align:left;margin-top:6px;padding:7px 10px;border-radius:12px;background:#ecf8f1;border:1px solid #bfe5cf;color:#0f5132;font-size:12.5px;max-width:100%}
.solution:hover{border-color:#5cb88a}
.solution .ck{flex:none;width:18px;height:18px;border-radius:50%;background:#1f8a55;color:#fff;display:grid;place-items:center;margin-top:1px}
.solution span{min-width:0;overflow:hidden;text-overflow:ellipsis;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical}
.editbox{width:100%;display:flex;flex-direction:column;gap:6px;background:#fff;border:1.5px solid var(--brand);border-radius:14px;padding:8px 10px}
.editbox textarea{flex:none;width:100%;padding:2px 0;min-height:24px;max-height:160px}
.msg.editing .acts{display:none}
.msg.editing .content{align-items:stretch}
.editbox .bar{display:flex;align-items:center;gap:8px;font-size:11.5px;color:var(--muted)}
.editbox .bar span{flex:1}
.btn{font-size:12.5px;font-weight:600;padding:5px 11px;border-radius:8px;border:1px solid #d0d5dd;background:#fff}
.btn:hover{background:var(--soft)}
.btn.primary,.btn.danger{border-color:transparent;color:#fff;padding:5px 12px}
.btn.primary{background:var(--brand)}
.btn.danger{background:#d92d20}
.btn:disabled{opacity:.6;cursor:default}
.ferr{color:#a1262b;font-size:12px;margin:0}
.pstat{color:var(--muted);font-size:12px;margin:0;min-height:1.45em}
.pstat.bad{color:#a1262b}
.pop{position:absolute;z-index:20;background:#fff;border-radius:12px;box-shadow:0 10px 30px rgba(16,24,40,.2),0 0 0 1px rgba(16,24,40,.06);padding:4px;animation:pop .12s ease}
.pop.picker{display:flex;gap:2px}
.pop.picker button{width:38px;height:38px;border-radius:9px;font-size:21px;display:grid;place-items:center;transition:transform .1s}
.pop.picker button:hover,.pop.picker button:focus-visible{background:var(--soft);transform:scale(1.12)}
.pop.menu{min-width:170px;display:flex;flex-direction:column}
.pop.menu button{display:flex;gap:10px;align-items:center;padding:8px 10px;border-radius:8px;font-size:13.5px;text-align:left}
.pop.menu button:hover,.pop.menu button:focus-visible{background:var(--soft)}
.pop.menu button.bad{color:#b42318}
.scrim{position:absolute;inset:0;background:rgba(16,24,40,.36);z-index:30;display:flex;align-items:flex-end;animation:fade .15s ease}
@keyframes fade{from{opacity:0}to{opacity:1}}
.sheet{background:#fff;width:100%;border-radius:18px 18px 0 0;padding:18px 18px 16px;display:flex;flex-direction:column;gap:12px;box-shadow:0 -8px 30px rgba(16,24,40,.15);animation:up .18s ease;max-height:85%;overflow:auto}
@keyframes up{from{transform:translateY(24px)}to{transform:none}}
.sheet h3{margin:0;font-size:16px}
.sheet p{margin:0;color:var(--muted);font-size:13px}
.sheet .q{border-left:3px solid var(--line);padding:2px 10px;color:var(--ink);font-size:13px;white-space:pre-wrap;overflow-wrap:anywhere;max-height:66px;overflow:hidden}
.sheet fieldset{border:0;margin:0;padding:0;display:flex;flex-direction:column;gap:6px}
.sheet legend{font-weight:600;font-size:13px;margin-bottom:4px;padding:0}
.opt{display:flex;gap:10px;align-items:center;border:1px solid var(--line);border-radius:10px;padding:8px 10px;font-weight:500;cursor:pointer}
.opt:has(input:checked){border-color:var(--brand);background:color-mix(in srgb,var(--brand) 6%,#fff)}
.opt input{width:auto;margin:0;accent-color:var(--brand)}
.sheet textarea{display:block;width:100%;margin-top:10px;border:1px solid #d0d5dd;border-radius:10px;padding:8px 10px;min-height:60px;max-height:120px}
.sheet textarea:focus{border-color:var(--brand);outline:2px solid color-mix(in srgb,var(--brand) 25%,#fff)}
.sheet .btns{display:flex;justify-content:flex-end;gap:8px}
.sheet .btns .btn{padding:8px 14px;font-size:13.5px}
.toast{position:absolute;left:14px;right:14px;bottom:96px;z-index:25;background:var(--ink);color:#fff;border-radius:12px;padding:10px 12px;font-size:13px;display:flex;gap:10px;align-items:center;box-shadow:0 8px 24px rgba(16,24,40,.25);animation:up .2s ease}
.toast.bad{background:#b42318}
.toast.celebrate{background:linear-gradient(135deg,#fff7e0,#ffe9b3);color:#5c3d00;border:1px solid #f5d37a;align-items:flex-start;padding:12px 12px 12px 14px}
.toast.celebrate .medal{flex:none;width:34px;height:34px;border-radius:50%;background:linear-gradient(135deg,#f7b928,#e08a00);color:#fff;display:grid;place-items:center;box-shadow:0 2px 6px rgba(224,138,0,.4)}
.toast.celebrate b{display:block;font-size:14px}
.toast .grow{flex:1;min-width:0}
.toast .ibtn{width:26px;height:26px;color:inherit;opacity:.7}
.notice{display:flex;gap:9px;align-items:flex-start;font-size:12.5px;line-height:1.4;border-radius:10px;padding:8px 10px;margin-bottom:6px;background:var(--soft);color:var(--ink)}
.notice svg{flex:none;margin-top:1px}
.notice.warn{background:#fff4e5;color:#7a4100}
.notice.bad{background:#fdecec;color:#8f1f24}
.notice.ok{background:#e6f6ed;color:#0f5132}
.notice .tick{font-variant-numeric:tabular-nums;font-weight:700;white-space:nowrap}
.notice.flash{animation:nudge .35s ease}
@keyframes nudge{0%,100%{transform:none}25%{transform:translateX(-4px)}75%{transform:translateX(4px)}}
.hint{font-size:11.5px;color:var(--muted);display:flex;gap:5px;align-items:center;margin:-2px 0 4px}
textarea:disabled{cursor:not-allowed}
form.compose.closed .row{opacity:.55}
.gone{flex:1;display:flex;flex-direction:column;align-items:center;justify-content:center;text-align:center;gap:10px;padding:30px 30px 40px}
.gone .ico{width:64px;height:64px;border-radius:50%;display:grid;place-items:center;background:var(--soft);color:var(--muted);margin-bottom:4px}
.gone.final .ico{background:#fdecec;color:#b42318}
.gone h3{margin:0;font-size:18px;letter-spacing:-.01em}
.gone p{margin:0;color:var(--muted);max-width:290px}
.gone .primary{margin-top:8px}
.typing{flex:none;height:22px;padding:0 18px;font-size:12px;color:var(--muted);display:flex;align-items:center;gap:6px}
.dots{display:inline-flex;gap:3px}.dots i{width:5px;height:5px;border-radius:50%;background:currentColor;animation:blink 1.2s infinite}
.dots i:nth-child(2){animation-delay:.2s}.dots i:nth-child(3){animation-delay:.4s}
@keyframes blink{0%,80%,100%{opacity:.25}40%{opacity:1}}
.jump{position:sticky;bottom:6px;left:50%;transform:translateX(-50%);display:block;margin:0 auto;background:var(--ink);color:#fff;font-size:12.5px;padding:5px 12px;border-radius:999px;box-shadow:0 4px 12px rgba(0,0,0,.18)}
form.compose{flex:none;border-top:1px solid var(--line);padding:8px 10px 6px 14px;background:#fff;position:relative}
.cmdmenu{position:absolute;left:8px;right:8px;bottom:calc(100% + 6px);z-index:15;background:#fff;border-radius:12px;box-shadow:0 10px 30px rgba(16,24,40,.2),0 0 0 1px rgba(16,24,40,.06);padding:4px;max-height:min(264px,50vh);overflow-y:auto;animation:pop .12s ease}
.cmdhead{margin:4px 8px 4px;font-size:11px;font-weight:700;letter-spacing:.04em;text-transform:uppercase;color:var(--muted)}
.cmdmenu ul{list-style:none;margin:0;padding:0}
.cmd{display:grid;grid-template-columns:minmax(0,1fr) auto;gap:1px 10px;padding:7px 10px;border-radius:8px;cursor:pointer}
.cmd:hover{background:var(--soft)}
.cmd[aria-selected="true"]{background:color-mix(in srgb,var(--brand) 11%,#fff);box-shadow:inset 3px 0 0 var(--brand)}
.cmd .cn{font:600 13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.cmd .cu{color:var(--muted);font-weight:400}
.cmd .cd{grid-column:1;color:var(--muted);font-size:12.5px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.cmd .cb{grid-column:2;grid-row:1/span 2;align-self:center;display:flex;flex-direction:column;align-items:flex-end;gap:2px;font-size:11.5px;color:var(--muted)}
.cmd.off .cn,.cmd.off .cd{opacity:.55}
.cmd .offtag{font-size:10px;font-weight:700;letter-spacing:.03em;text-transform:uppercase;background:#eaecf0;color:#475467;border-radius:999px;padding:0 6px}
.msg.eph .bubble{background:#fff;border:1px dashed #c4cad4;border-radius:4px 16px 16px 16px}
.only{display:inline-flex;align-items:center;gap:3px;font-size:11px;font-style:italic;color:var(--muted)}
.ephline{display:flex;align-items:center;gap:6px;font-size:12px;color:var(--muted);max-width:100%}
.ephline code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--soft);color:var(--ink);border-radius:5px;padding:1px 5px;overflow-wrap:anywhere}
.msg.eph.ran,.msg.eph.err{justify-content:flex-end;padding:2px 4px}
.msg.eph.err .ephline{color:#a1262b}
.msg.eph .act.dismiss{margin-top:2px;font-size:11.5px}
.botacts{display:flex;flex-direction:column;align-items:flex-start;gap:4px;margin-top:6px;max-width:100%}
.btnrow{display:flex;flex-wrap:wrap;gap:6px}
.choice{display:inline-flex;align-items:center;gap:5px;font-size:12.5px;font-weight:600;line-height:1.3;border:1px solid color-mix(in srgb,var(--brand) 50%,#fff);border-radius:999px;padding:4px 12px;background:#fff;color:color-mix(in srgb,var(--brand) 85%,#000);max-width:100%;overflow-wrap:anywhere;text-align:left}
.choice:hover{background:color-mix(in srgb,var(--brand) 8%,#fff);border-color:var(--brand)}
.choice:focus-visible{outline:2px solid var(--brand);outline-offset:2px;box-shadow:0 0 0 4px color-mix(in srgb,var(--brand) 18%,#fff)}
.choice[aria-disabled="true"]{cursor:default;background:var(--soft);border-color:#d0d5dd;color:#8a93a3}
.choice[aria-disabled="true"]:hover{background:var(--soft);border-color:#d0d5dd}
.choice[aria-busy="true"]{color:color-mix(in srgb,var(--brand) 85%,#000);border-style:dashed}
.choice[aria-pressed="true"],.choice[aria-pressed="true"]:hover{background:#ecf8f1;border-color:#5cb88a;color:#146c43}
.choice .spin{width:11px;height:11px}
.btnnote{display:flex;gap:5px;align-items:center;margin:0;font-size:12px;line-height:1.35}
.btnnote svg{flex:none}
.btnnote.warn{color:#8a5a00}
.btnnote.bad{color:#a1262b}
.wsearchview{padding:12px}
.wsearch{display:flex;gap:6px;margin-bottom:10px}
.wsearch input{flex:1;min-width:0;font:inherit;border:1px solid #d0d5dd;border-radius:10px;padding:8px 10px}
.wsearch .primary{padding:8px 12px}
.wresults .hit{display:block;width:100%;text-align:left;font:inherit;background:none;border:0;border-top:1px solid var(--soft);padding:8px 2px;cursor:pointer;color:var(--ink)}
.wresults li:first-child .hit{border-top:0}
.wresults .hit:hover{background:var(--soft)}
.wresults .who{display:block;font-size:11.5px;color:var(--muted)}
.wresults .snip{display:block;font-size:13px;line-height:1.4}
.wresults mark{background:#fde68a;color:inherit;border-radius:2px}
.suggest{border:1px solid var(--line,#e4e7ec);border-radius:12px;padding:8px 10px;margin-bottom:6px;background:#fff;font-size:12.5px}
.suggest h4{margin:0 0 4px;font-size:12px;font-weight:650;color:var(--muted)}
.suggest ul{list-style:none;margin:0;padding:0}
.suggest li{padding:6px 0;border-top:1px solid var(--soft)}
.suggest li:first-child{border-top:0}
.suggest .snip{display:block;color:var(--ink);line-height:1.4;overflow:hidden;display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical}
.suggest mark{background:#fde68a;color:inherit;border-radius:2px}
.suggest .sgacts{display:flex;gap:10px;align-items:center;margin-top:4px}
.suggest a{color:var(--brand);font-weight:600}
.suggest button{font:inherit;font-size:12px;font-weight:650;border:1px solid var(--brand);color:var(--brand);background:#fff;border-radius:999px;padding:2px 10px;cursor:pointer}
.replying{display:flex;align-items:center;gap:8px;font-size:12.5px;color:var(--muted);background:var(--soft);border-radius:10px;padding:6px 6px 6px 10px;margin-bottom:6px}
.replying span{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.replying .ibtn{width:24px;height:24px;color:var(--muted)}
.row{display:flex;align-items:flex-end;gap:8px}
textarea{flex:1;resize:none;border:0;outline:0;font:inherit;color:inherit;padding:9px 0;max-height:120px;min-height:38px;background:transparent}
textarea:focus-visible{outline:none}
form.compose:focus-within{box-shadow:inset 0 2px 0 var(--brand)}
.sendb{width:38px;height:38px;border-radius:50%;background:var(--brand);color:#fff;display:grid;place-items:center;flex:none;transition:opacity .15s}
.sendb:disabled{opacity:.35;cursor:default}
.foot{font-size:11px;color:#98a2b3;text-align:center;padding:2px 0 4px}
.onboard{flex:1;overflow:auto;padding:26px 24px;display:flex;flex-direction:column;gap:14px}
.onboard h3{margin:0;font-size:22px;letter-spacing:-.02em}
.onboard p{margin:0;color:var(--muted)}
.card{border:1px solid var(--line);border-radius:14px;padding:16px;display:flex;flex-direction:column;gap:10px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
label{font-weight:600;font-size:13px}
input{font:inherit;border:1px solid #d0d5dd;border-radius:10px;padding:10px 12px;width:100%}
input:focus{border-color:var(--brand);outline:2px solid color-mix(in srgb,var(--brand) 25%,#fff);outline-offset:0}
.primary{background:var(--brand);color:#fff;font-weight:600;border-radius:10px;padding:10px 14px}
.primary:disabled{opacity:.6}
.err{color:#a1262b;font-size:13px;margin:0}
.inbox{flex:1;overflow:auto;padding:8px}
.conv{display:flex;gap:12px;align-items:center;width:100%;text-align:left;padding:10px;border-radius:12px}
.conv:hover{background:var(--soft)}
.conv .txt{flex:1;min-width:0}.conv b{display:block}.conv span{display:block;color:var(--muted);font-size:13px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.conv .n{background:#e5484d;color:#fff;border-radius:999px;font-size:11px;font-weight:700;padding:1px 7px}
.empty{color:var(--muted);text-align:center;padding:40px 26px}
@media (max-width:480px){
.panel{inset:0;width:100%;height:100%;height:100dvh;border-radius:0}
.root.open .launcher{display:none}
.preview{left:16px;right:16px;max-width:none}
}`;
