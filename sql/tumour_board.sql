-- tumour_board: decisions on or before the as-of day (the bound date parameter as_of).
SELECT
    d.decision_id,
    d.ipp,
    to_char(d.decision_date, 'YYYY-MM-DD') AS decision_date,
    d.board_code,
    d.decision_code,
    d.reimbursement_scope::text AS reimbursement_scope
FROM dwh.tumour_board_decision AS d
WHERE d.decision_date IS NULL OR d.decision_date <= :as_of
ORDER BY d.tumour_board_decision_sk
