import { useTranslation } from 'react-i18next';

interface Props {
  /** Names the pager, e.g. "Search results pages". */
  label: string;
  page: number;
  /** Known page count, or null when only "is there more?" is known. */
  pageCount: number | null;
  hasNext: boolean;
  onPage: (page: number) => void;
}

/** Previous / "Page 2 of 5" / Next. Buttons stay in place (disabled) so focus is not lost. */
export function Pager({ label, page, pageCount, hasNext, onPage }: Props) {
  const { t } = useTranslation();
  if (page === 1 && !hasNext) return null;
  return (
    <nav className="pager" aria-label={label}>
      <button
        type="button"
        className="button button--secondary"
        aria-disabled={page <= 1}
        onClick={() => page > 1 && onPage(page - 1)}
      >
        {t('pager.previous')}
      </button>
      <span className="pager__where">
        {pageCount ? t('pager.pageOf', { page, pages: pageCount }) : t('pager.page', { page })}
      </span>
      <button
        type="button"
        className="button button--secondary"
        aria-disabled={!hasNext}
        onClick={() => hasNext && onPage(page + 1)}
      >
        {t('pager.next')}
      </button>
    </nav>
  );
}
