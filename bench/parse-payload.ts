// Micro-benchmark of the Measurement Protocol payload parser on one core (rates per CPU second).
//   npx tsx bench/parse-payload.ts        (BENCH_SECONDS per case, default 2)
// Prints payloads/s for a realistic analytics.js pageview, an Enhanced Ecommerce
// purchase of 3 products, a heavy one (5 products and two impression lists of 5), and
// a hostile 8 KiB payload of 1000+ unknown parameters. Target: > 100,000 payloads/s
// for the pageview and the common ecommerce hit.
import { performance } from 'node:perf_hooks';
import { parsePayload } from '../collector/measurement-protocol/index.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
if (!Number.isFinite(SECONDS) || SECONDS <= 0) throw new Error('BENCH_SECONDS must be a positive number');

const pageview =
  'v=1&_v=j101&a=1403875402&t=pageview&_s=1&dl=https%3A%2F%2Fwww.example.com%2Fblog%2Fpost-42%3Futm_source%3Dnewsletter%26utm_medium%3Demail' +
  '&dr=https%3A%2F%2Fwww.google.com%2F&ul=en-gb&de=UTF-8&dt=A%20post%20about%20analytics%20%E2%80%94%20Example%20Blog&sd=24-bit&sr=1920x1080' +
  '&vp=1903x969&je=0&_u=IEBAAEABAAAAACAAI~&jid=&gjid=&cid=1234567890.1700000000&tid=UA-12345-1&_gid=987654321.1700000000&gtm=2ou9&cd1=member&z=1736279381';

/** Enhanced Ecommerce parameters of `count` products (SKU, name, brand, category, variant, price, quantity, a dimension). */
const products = (count: number): string =>
  Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    return `&pr${n}id=SKU-${1000 + n}&pr${n}nm=Product%20${n}&pr${n}br=Brand&pr${n}ca=Apparel%2FShirts&pr${n}va=Blue&pr${n}pr=${19 + n}.99&pr${n}qt=${n}&pr${n}cd1=summer`;
  }).join('');
const impressions = Array.from({ length: 10 }, (_, i) => {
  const l = (i % 2) + 1;
  const n = Math.floor(i / 2) + 1;
  return `&il${l}pi${n}id=SKU-${2000 + i}&il${l}pi${n}nm=Other%20${i}&il${l}pi${n}ps=${n}&il${l}pi${n}pr=9.5`;
}).join('');
const purchase =
  'v=1&tid=UA-12345-1&cid=1234567890.1700000000&t=event&ec=ecommerce&ea=purchase&ni=1&dl=https%3A%2F%2Fshop.example.com%2Fcheckout%2Fdone' +
  '&pa=purchase&ti=T-20240101-0042&ta=Online%20Store&tr=%E2%82%AC123.45&tt=20.58&ts=5.00&tcc=SUMMER&cu=EUR';
/** A purchase of 3 products: the common shape of an ecommerce hit. */
const ecommerce = `${purchase}${products(3)}&z=42`;
/** A purchase of 5 products plus two impression lists of 5: 115 parameters. */
const ecommerceHeavy = `${purchase}${products(5)}&il1nm=Related&il2nm=Also%20bought${impressions}&z=42`;

let hostile = 'v=1&tid=UA-12345-1&cid=1&t=pageview&dp=%2F';
for (let i = 0; hostile.length < 8180; i++) hostile += `&x${i}=${i}`;

function measure(name: string, payload: string): void {
  const check = parsePayload(payload);
  let sink = 0;
  for (let i = 0; i < 20_000; i++) sink += parsePayload(payload).messages.length; // warm up
  let runs = 0;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const until = started + SECONDS * 1000;
  while (performance.now() < until) {
    for (let i = 0; i < 1000; i++) sink += parsePayload(payload).messages.length;
    runs += 1000;
  }
  // CPU time, not wall time: the machine may be shared, and a descheduled process is not slower code.
  const cpu = process.cpuUsage(cpuStarted);
  const elapsed = (cpu.user + cpu.system) / 1e6;
  const rate = Math.round(runs / elapsed);
  const bytes = Buffer.byteLength(payload);
  const keys = Object.keys(check.params).length;
  console.log(`${name.padEnd(11)} ${String(bytes).padStart(5)} bytes, ${String(keys).padStart(3)} params kept, valid=${check.valid}: ${rate.toLocaleString('en-US').padStart(9)} payloads/s  (${(1e6 / rate).toFixed(2)} µs each)${sink < 0 ? '' : ''}`);
}

console.log(`parsePayload, one core, ${SECONDS} s per case (node ${process.version})`);
measure('pageview', pageview);
measure('ecommerce', ecommerce);
measure('ecom-heavy', ecommerceHeavy);
measure('hostile', hostile);
