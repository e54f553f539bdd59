// Enhanced Ecommerce facts of a hit (ga-processing.md §2 "Enhanced Ecommerce"):
// product action, products pr<N>*, impression lists il<L>*, promotions promo<N>*,
// and the purchase/refund totals. Indices run 1-200 and are written without
// leading zeros; a key outside that shape is not an EE parameter and is ignored.

import type { HitParameters } from '../hit.ts';
import { PRODUCT_ACTIONS, type EcommerceFacts } from './events.ts';
import { compact, num, text } from './params.ts';

type Product = EcommerceFacts['products'][number];
type Impression = EcommerceFacts['impressionLists'][number]['products'][number];
type Promotion = EcommerceFacts['promotions'][number];
type ProductAction = (typeof PRODUCT_ACTIONS)[number];

const INDEX = '([1-9][0-9]{0,2})';
const PRODUCT_FIELD = new RegExp(`^pr${INDEX}(id|nm|br|ca|va|pr|qt|cc|ps)$`);
const PRODUCT_CUSTOM = new RegExp(`^pr${INDEX}(cd|cm)${INDEX}$`);
const LIST_NAME = new RegExp(`^il${INDEX}nm$`);
const IMPRESSION_FIELD = new RegExp(`^il${INDEX}pi${INDEX}(id|nm|br|ca|va|pr|ps)$`);
const IMPRESSION_CUSTOM = new RegExp(`^il${INDEX}pi${INDEX}(cd|cm)${INDEX}$`);
const PROMOTION_FIELD = new RegExp(`^promo${INDEX}(id|nm|cr|ps)$`);

const inRange = (index: string): boolean => Number(index) <= 200;

const FIELD_NAMES = { id: 'sku', nm: 'name', br: 'brand', ca: 'category', va: 'variant', cc: 'couponCode' } as const;

type Fields = {
  sku?: string;
  name?: string;
  brand?: string;
  category?: string;
  variant?: string;
  couponCode?: string;
  price?: number;
  quantity?: number;
  position?: number;
  customDimensions?: Record<string, string>;
  customMetrics?: Record<string, number>;
};

function setField(target: Fields, field: string, params: HitParameters, key: string): void {
  if (field === 'pr') target.price = num(params, key);
  else if (field === 'qt') target.quantity = num(params, key);
  else if (field === 'ps') target.position = num(params, key);
  else if (field in FIELD_NAMES) target[FIELD_NAMES[field as keyof typeof FIELD_NAMES]] = text(params, key);
}

function setCustom(target: Fields, kind: string, index: string, params: HitParameters, key: string): void {
  if (kind === 'cd') {
    const value = text(params, key);
    if (value !== undefined) (target.customDimensions ??= {})[index] = value;
  } else {
    const value = num(params, key);
    if (value !== undefined) (target.customMetrics ??= {})[index] = value;
  }
}

const byIndex = <T extends { index: number }>(items: Iterable<T>): T[] => [...items].sort((a, b) => a.index - b.index);

const productAction = (value: string | undefined): ProductAction | undefined =>
  (PRODUCT_ACTIONS as readonly string[]).includes(value ?? '') ? (value as ProductAction) : undefined;

/** The EE facts of the hit, or undefined when it carries none. */
export function ecommerceOf(params: HitParameters): EcommerceFacts | undefined {
  const action = productAction(text(params, 'pa'));
  const products = new Map<string, Fields>();
  const lists = new Map<string, { name?: string; products: Map<string, Fields> }>();
  const promotions = new Map<string, Promotion>();
  const list = (index: string) => {
    let found = lists.get(index);
    if (found === undefined) lists.set(index, (found = { products: new Map() }));
    return found;
  };
  const entry = (map: Map<string, Fields>, index: string): Fields => {
    let found = map.get(index);
    if (found === undefined) map.set(index, (found = {}));
    return found;
  };

  for (const key of Object.keys(params)) {
    const head = key.charCodeAt(0);
    if (head !== 112 /* p */ && head !== 105 /* i */) continue; // cheap skip: EE keys start with pr, il or promo
    let m: RegExpExecArray | null;
    if ((m = PRODUCT_FIELD.exec(key)) !== null) {
      if (inRange(m[1]!)) setField(entry(products, m[1]!), m[2]!, params, key);
    } else if ((m = PRODUCT_CUSTOM.exec(key)) !== null) {
      if (inRange(m[1]!) && inRange(m[3]!)) setCustom(entry(products, m[1]!), m[2]!, m[3]!, params, key);
    } else if ((m = LIST_NAME.exec(key)) !== null) {
      if (inRange(m[1]!)) list(m[1]!).name = text(params, key);
    } else if ((m = IMPRESSION_FIELD.exec(key)) !== null) {
      if (inRange(m[1]!) && inRange(m[2]!)) setField(entry(list(m[1]!).products, m[2]!), m[3]!, params, key);
    } else if ((m = IMPRESSION_CUSTOM.exec(key)) !== null) {
      if (inRange(m[1]!) && inRange(m[2]!) && inRange(m[4]!)) setCustom(entry(list(m[1]!).products, m[2]!), m[3]!, m[4]!, params, key);
    } else if ((m = PROMOTION_FIELD.exec(key)) !== null) {
      if (!inRange(m[1]!)) continue;
      let promotion = promotions.get(m[1]!);
      if (promotion === undefined) promotions.set(m[1]!, (promotion = { index: Number(m[1]) }));
      const field = ({ id: 'id', nm: 'name', cr: 'creative', ps: 'position' } as const)[m[2] as 'id' | 'nm' | 'cr' | 'ps'];
      promotion[field] = text(params, key);
    }
  }

  const isTransaction = action === 'purchase' || action === 'refund';
  // "If a product action is not specified, all product definitions included with the hit will be ignored." (MP-PARAMS)
  const productList: Product[] =
    action === undefined
      ? []
      : byIndex(
          [...products].map(([index, fields]) =>
            // [I] A purchased/refunded product without pr<N>qt counts as quantity 1.
            compact({ index: Number(index), ...fields, quantity: fields.quantity ?? (isTransaction ? 1 : undefined) }),
          ),
        );
  const impressionLists = byIndex(
    [...lists].map(([index, l]) =>
      compact({
        index: Number(index),
        name: l.name,
        products: byIndex([...l.products].map(([i, fields]): Impression => compact({ index: Number(i), ...fields }))),
      }),
    ),
  );
  const promotionList = byIndex([...promotions.values()].map((p) => compact(p)));
  if (action === undefined && impressionLists.length === 0 && promotionList.length === 0) return undefined;

  let transaction: EcommerceFacts['transaction'];
  if (isTransaction) {
    const sent = num(params, 'tr');
    // MP-PARAMS: without tr, revenue "will be automatically calculated using the product quantity and price fields".
    const computed = productList.reduce((sum, p) => sum + (p.price ?? 0) * (p.quantity ?? 0), 0);
    transaction = compact({
      id: text(params, 'ti'),
      affiliation: text(params, 'ta'),
      revenue: sent ?? Math.round(computed * 1e6) / 1e6,
      revenueComputed: sent === undefined,
      tax: num(params, 'tt'),
      shipping: num(params, 'ts'),
      coupon: text(params, 'tcc'),
    });
  }
  const promoa = text(params, 'promoa');
  return compact({
    action,
    actionList: text(params, 'pal'),
    checkoutStep: num(params, 'cos'),
    checkoutOption: text(params, 'col'),
    transaction,
    products: productList,
    impressionLists,
    promotions: promotionList,
    // [I] promoa: 'click' and 'promo_click' both mean click; the default is view.
    promotionAction: promotionList.length === 0 ? undefined : promoa === 'click' || promoa === 'promo_click' ? ('click' as const) : ('view' as const),
  });
}

