// The header's search box: suggestions while typing, as an ARIA 1.2 combobox with a
// listbox popup (arrows move, Enter opens, Escape closes). Without JavaScript the
// form still submits to the search page.
import { suggest } from "./api.js";
import { announce, dateLine, h, highlighted, links } from "./dom.js";

const DEBOUNCE_MS = 150;
const MIN_CHARS = 2;

export function searchBox(form) {
  const input = form.querySelector("input[name=q]");
  const listbox = form.querySelector("[role=listbox]");
  let timer = 0;
  let request = null;
  let options = [];
  let active = -1;

  function close() {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function setActive(index) {
    options[active]?.setAttribute("aria-selected", "false");
    active = index;
    const option = options[active];
    if (!option) {
      input.removeAttribute("aria-activedescendant");
      return;
    }
    option.setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  }

  function show(items) {
    options = items.map((item, index) =>
      h("li", { id: `${listbox.id}-${index}`, role: "option", "aria-selected": "false", "data-href": links.article(item.slug) },
        h("span", { class: "suggest__title" }, highlighted(item.highlight?.title ?? item.title)),
        h("span", { class: "suggest__date" }, dateLine(item.published_at))));
    listbox.replaceChildren(...options);
    active = -1;
    input.removeAttribute("aria-activedescendant");
    listbox.hidden = options.length === 0;
    input.setAttribute("aria-expanded", String(options.length > 0));
    announce(options.length > 0 ? `${options.length} gợi ý, dùng phím mũi tên để chọn.` : "Không có gợi ý.");
  }

  async function load(q) {
    request?.abort();
    request = new AbortController();
    try {
      const { data } = await suggest(q, request.signal);
      if (input.value.trim() === q) show(data);
    } catch (error) {
      // Suggestions are a convenience: when they fail, the search form still works.
      if (error.name !== "AbortError") close();
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < MIN_CHARS) {
      request?.abort();
      close();
      return;
    }
    timer = setTimeout(() => load(q), DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (event) => {
    const open = !listbox.hidden;
    if (event.key === "ArrowDown" && options.length > 0) {
      event.preventDefault();
      if (!open) {
        listbox.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
      setActive((active + 1) % options.length);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      setActive(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      location.assign(options[active].dataset.href);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });

  input.addEventListener("blur", close);
  // Keep the focus in the box while an option is clicked.
  listbox.addEventListener("mousedown", (event) => event.preventDefault());
  listbox.addEventListener("click", (event) => {
    const option = event.target.closest("[role=option]");
    if (option) location.assign(option.dataset.href);
  });
}
