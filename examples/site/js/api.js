// The one door to the bantin API: every request the site makes goes through here.
import { API_BASE } from "../config.js";

const BASE = API_BASE.replace(/\/+$/, "");

/** A failed API call, with a message fit for readers. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

function readerMessage(status) {
  if (status === 0) return "Không kết nối được với máy chủ tin tức. Vui lòng kiểm tra mạng và thử lại.";
  if (status === 404) return "Không tìm thấy nội dung bạn yêu cầu.";
  if (status === 429 || status === 503) return "Máy chủ đang bận. Vui lòng thử lại sau ít phút.";
  if (status === 400) return "Yêu cầu không hợp lệ.";
  return `Đã có lỗi khi tải dữ liệu (mã ${status}). Vui lòng thử lại sau.`;
}

/** The absolute address of an API path, or of a server-relative media URL. */
export function apiUrl(path) {
  return /^https?:\/\//.test(path) ? path : new URL(BASE + path, location.href).href;
}

async function getJson(path, params = {}, { signal } = {}) {
  const url = new URL(apiUrl(`/api/v1${path}`));
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
  }
  let response;
  try {
    // The default cache mode keeps the browser's HTTP cache in charge: the API's
    // `max-age=60` and ETag revalidation do the rest.
    response = await fetch(url, { signal, headers: { Accept: "application/json" } });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, readerMessage(0));
  }
  if (!response.ok) throw new ApiError(response.status, readerMessage(response.status));
  return response.json();
}

/**
 * What an article card, the most-read box and related stories show: lists ask for just
 * these (`fields=`), about a fifth of a whole list item's bytes.
 */
const CARD_FIELDS = ["id", "slug", "title", "summary", "published_at", "category", "cover_image", "cover_image_url", "view_count"];

/** Lists of articles, and the fields each item needs beyond the card's. */
const ARTICLE_LISTS = /^\/articles(\/popular|\/\d+\/related)?$/;

/**
 * Every list the site shows comes through here: `{data, meta}` of
 * `GET /api/v1{path}?{params}`. Article lists carry only what a card shows; a search
 * adds its highlights.
 */
export function list(path, params = {}, options = {}) {
  if (ARTICLE_LISTS.test(path) && !params.fields) {
    const fields = params.q ? [...CARD_FIELDS, "highlight"] : CARD_FIELDS;
    params = { ...params, fields: fields.join(",") };
  }
  return getJson(path, params, options);
}

/** One category, tag, author or article by slug. */
export function bySlug(resource, slug) {
  return getJson(`/${resource}/slug/${encodeURIComponent(slug)}`);
}

/** Articles in cursor mode: `cursor` = "" for the first page. */
export function articles(filters, cursor, perPage, options) {
  return list("/articles", { ...filters, cursor, per_page: perPage }, options);
}

/** Most read: this week's, topped up with all-time favourites while the week has few. */
export async function mostRead({ category, limit = 5 } = {}) {
  const week = await list("/articles/popular", { window: "week", limit, category });
  if (week.data.length >= limit) return week.data;
  const ever = await list("/articles/popular", { window: "all", limit, category });
  const listed = new Set(week.data.map((article) => article.id));
  return [...week.data, ...ever.data.filter((article) => !listed.has(article.id))].slice(0, limit);
}

export function related(id, limit = 4) {
  return list(`/articles/${id}/related`, { limit });
}

export function suggest(q, signal) {
  return list("/articles/suggest", { q, limit: 8 }, { signal });
}

export function categoryTree() {
  return list("/categories", { tree: true });
}

/**
 * Counts one view. No body and no custom header keep it a CORS-simple request, so
 * `keepalive` lets it finish even when the reader leaves the page at once.
 */
export function recordView(id) {
  return fetch(apiUrl(`/api/v1/articles/${id}/views`), { method: "POST", keepalive: true })
    .then((response) => response.ok)
    .catch(() => false);
}
