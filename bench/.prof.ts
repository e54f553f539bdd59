import { parsePayload } from '../collector/measurement-protocol/index.ts';
const which = process.argv[2] ?? 'eco';
const products = Array.from({ length: 5 }, (_, i) => { const n = i + 1; return `&pr${n}id=SKU-${1000 + n}&pr${n}nm=Product%20${n}&pr${n}br=Brand&pr${n}ca=Apparel%2FShirts&pr${n}va=Blue&pr${n}pr=${19 + n}.99&pr${n}qt=${n}&pr${n}cd1=summer`; }).join('');
const impressions = Array.from({ length: 10 }, (_, i) => { const l = (i % 2) + 1; const n = Math.floor(i / 2) + 1; return `&il${l}pi${n}id=SKU-${2000 + i}&il${l}pi${n}nm=Other%20${i}&il${l}pi${n}ps=${n}&il${l}pi${n}pr=9.5`; }).join('');
const eco = 'v=1&tid=UA-12345-1&cid=1234567890.1700000000&t=event&ec=ecommerce&ea=purchase&ni=1&dl=https%3A%2F%2Fshop.example.com%2Fcheckout%2Fdone' + `&pa=purchase&ti=T-20240101-0042&ta=Online%20Store&tr=%E2%82%AC123.45&tt=20.58&ts=5.00&tcc=SUMMER&cu=EUR${products}&il1nm=Related&il2nm=Also%20bought${impressions}&z=42`;
let s = 0; const c0 = process.cpuUsage();
for (let i = 0; i < 100000; i++) s += parsePayload(eco).messages.length;
const c = process.cpuUsage(c0); console.log(((c.user + c.system) / 1e3 / 100).toFixed(2), "µs/payload", s);
