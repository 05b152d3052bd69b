// A stand-in for Home Assistant's `hass` object, for card tests in a bare page.
// Websocket answers come from `window.nccAnswers[type]`: a value (the result), {error: {...}}
// (a refusal), or an array of those (one per call, the last repeated). Every call is recorded
// in `window.nccCalls`; service calls in `window.nccServices`; image fetches in `window.nccFetches`.
window.nccAnswers = {};
window.nccCalls = [];
window.nccServices = [];
window.nccFetches = [];
window.nccTranslations = {};

function answer(type) {
  let entry = window.nccAnswers[type];
  if (Array.isArray(entry)) {
    entry = entry.length > 1 ? entry.shift() : entry[0];
  }
  if (entry === undefined) {
    return Promise.reject({ code: "unknown_command", message: "Unknown command." });
  }
  if (entry && entry.error) {
    return Promise.reject(entry.error);
  }
  return Promise.resolve(JSON.parse(JSON.stringify(entry)));
}

// 1x1 JPEG
const PIXEL = Uint8Array.from(atob(
  "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q=="
), (c) => c.charCodeAt(0));

window.makeHass = function makeHass(language = "en") {
  return {
    language,
    locale: { language },
    config: { time_zone: "Asia/Jakarta" },
    connection: {
      subscribeMessage(callback, message) {
        window.nccCalls.push(message);
        window.nccSubscriber = callback;
        return answer(message.type).then(() => () => {});
      },
    },
    callWS(message) {
      window.nccCalls.push(message);
      return answer(message.type);
    },
    callService(domain, service, data) {
      window.nccServices.push({ domain, service, data });
      return answer(`service:${domain}.${service}`);
    },
    fetchWithAuth(path) {
      window.nccFetches.push(path);
      return Promise.resolve(new Response(new Blob([PIXEL], { type: "image/jpeg" }), { status: 200 }));
    },
    loadBackendTranslation(category, domain) {
      const table = window.nccTranslations[language] || {};
      return Promise.resolve((key, vars = {}) => {
        const text = table[key];
        return text ? text.replace(/\{(\w+)\}/g, (_, name) => vars[name] ?? "") : "";
      });
    },
  };
};

/** Put `element` (a card) in the page with `hass`; resolves once it rendered its data. */
window.mount = async function mount(tag, config, language = "en") {
  const card = document.createElement(tag);
  card.setConfig(config);
  document.body.appendChild(card);
  card.hass = window.makeHass(language);
  await new Promise((resolve) => setTimeout(resolve, 50));
  window.card = card;
  return card;
};
