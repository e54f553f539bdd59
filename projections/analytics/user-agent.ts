// Device dimensions from the raw user agent (ua-parser-js 1.x). Parsing costs about
// 20 µs, and a site sees few distinct user agents, so answers are kept in a bounded
// LRU keyed by the user-agent string: a replay parses each distinct agent about once.
import { UAParser } from 'ua-parser-js';
import { createLru } from '../../platform/lru.ts';

export interface DeviceInfo {
  /** GA's three categories: desktop, mobile, tablet. */
  deviceCategory: 'desktop' | 'mobile' | 'tablet';
  browser: string;
  browserVersion: string;
  os: string;
  osVersion: string;
}

const NOT_SET = '(not set)';

export function parseDevice(userAgent: string): DeviceInfo {
  const result = new UAParser(userAgent).getResult();
  const type = result.device.type;
  // [I] GA knows only desktop/mobile/tablet: wearables count as mobile, consoles, TVs and unknown types as desktop.
  const deviceCategory = type === 'tablet' ? 'tablet' : type === 'mobile' || type === 'wearable' ? 'mobile' : 'desktop';
  return {
    deviceCategory,
    browser: result.browser.name ?? NOT_SET,
    browserVersion: result.browser.version ?? NOT_SET,
    os: result.os.name ?? NOT_SET,
    osVersion: result.os.version ?? NOT_SET,
  };
}

/** A parser with a bounded least-recently-used cache of `capacity` user agents. */
export function createDeviceParser(capacity = 10_000): (userAgent: string) => DeviceInfo {
  const cache = createLru<string, DeviceInfo>(capacity);
  return (userAgent) => {
    const hit = cache.get(userAgent);
    if (hit !== undefined) return hit;
    const parsed = parseDevice(userAgent);
    cache.set(userAgent, parsed);
    return parsed;
  };
}
