Feature: LIBERTY Dental Plan pay for performance and withholds (the 4% utilization threshold)
  Verifies the "liberty-p4p" pack against the "LIBERTY Dental Plan: GMC Pay to Perform and
  Withhold Policy" (source document 003_d193abaf51f237db.txt): offices that trend below 4% of
  their members seen per month are counselled; "if trend continue past two cycles (quarterly
  cycle)" they are counselled again and their FFS reimbursement is reduced to standard; "if they
  continue past three cycles" reimbursement is reduced, the office is closed to new enrollment,
  its enrollment moved and termination considered at CNRC. The library counts the consecutive
  quarters below 4% from the office's own quarters given together. The pack reads "past two
  cycles" as the third consecutive quarter below, "past three cycles" as the fourth and later.

  Background:
    Given the policy "liberty-p4p"

  Scenario: Five quarters below 4%, then one at 4% starts the count again (reading: past two cycles is the third quarter)
    Given the records:
      | id     | office  | quarter | seen_percent |
      | A-2012Q2 | Office A | 2012Q2 | 4           |
      | A-2011Q3 | Office A | 2011Q3 | 3.5         |
      | A-2011Q1 | Office A | 2011Q1 | 3.9         |
      | A-2012Q1 | Office A | 2012Q1 | 2           |
      | A-2011Q4 | Office A | 2011Q4 | 3           |
      | A-2011Q2 | Office A | 2011Q2 | 1.5         |
      | A-2012Q3 | Office A | 2012Q3 | 3.99        |
    When the records are evaluated together
    Then record "A-2011Q1" is at level first cycles
    And record "A-2011Q1" gets counsel_office
    And record "A-2011Q2" is at level first cycles
    And record "A-2011Q2" gets counsel_office
    And record "A-2011Q3" is at level past two cycles
    And record "A-2011Q3" gets counsel_office, reduce_reimbursement
    And record "A-2011Q4" is at level past three cycles
    And record "A-2011Q4" gets counsel_office, reduce_reimbursement, close_enrollment, move_enrollment, refer_to_cnrc
    And record "A-2012Q1" is at level past three cycles
    And record "A-2012Q2" is classified as meets threshold
    And record "A-2012Q2" gets no action
    And record "A-2012Q3" is classified as below threshold
    And record "A-2012Q3" is at level first cycles
