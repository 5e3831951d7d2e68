Feature: The reports the plans' documents require
  The packs declare the reports their documents require (contract section 7): CTDHP's quarterly
  Grievance Report and its daily reports, Luxor's quarterly reports to management and its
  telephone log, LIBERTY's issue-resolution reporting. A report counts the grievances received
  in its period by their local receipt date (the plan's timezone), lists every declared value
  even at 0, and computes every rate from its inputs.

  Receipt times below are written as a record gives them (ISO 8601). CTDHP is on Eastern time:
  2014-10-01T03:59:59Z is 23:59:59 on 30 September in Connecticut, one second before the
  fourth quarter of 2014.

  Scenario: CTDHP's quarterly report counts by local receipt date, by type and by level
    Given the grievance log:
      | id | received                  | type                        | concerns          |
      | A  | 2014-10-01T03:59:59Z      | other                       | benefit not covered |
      | B  | 2014-10-01T04:00:00Z      | other                       | benefit not covered |
      | C  | 2014-11-03T10:00:00-05:00 | quality of provider service | poor quality work |
      | D  | 2014-12-31T23:59:59-05:00 | quality of provider service | staff rude        |
      | E  | 2015-01-01T00:00:00-05:00 | quality of provider service | staff rude        |
    When the "quarterly" report of "ctdhp" is run for 2014Q4 with 1,000 member months
    # A is 30 September 23:59:59 local and E is 1 January: B, C and D are counted
    Then the report counts 3 grievances
    And the report counts 1 grievance of type "other"
    And the report counts 2 grievances of type "quality_of_provider_service"
    And the report counts 0 grievances of type "provider_access"
    And the report counts 0 grievances of type "quality_of_aso_service"
    And the report counts 2 grievances of level "I"
    And the report counts 1 grievance of level "II"
    And the report counts 0 grievances of level "III"
    # 3 / 1,000 x 1000 = 3
    And the rate per 1000 member months is 3 when rounded to 3 significant digits
    And a note of the report says "rate = 3 grievances / 1,000 member months x 1000"

  Scenario: The Level II office visit is on time, late or overdue at the end of the quarter
    Given the grievance log:
      | id | received                  | concerns          | events                                   |
      | V1 | 2014-11-03T10:00:00-05:00 | poor quality work | office_visited 2014-11-08T16:00:00-05:00 |
      | V2 | 2014-11-10T10:00:00-05:00 | unsafe environment | office_visited 2014-11-16T09:00:00-05:00 |
      | V3 | 2014-12-29T10:00:00-05:00 | poor quality work |                                          |
      | V4 | 2014-12-01T10:00:00-05:00 | unsafe environment |                                          |
    When the "quarterly" report of "ctdhp" is run for 2014Q4
    # visit due 5 calendar days after receipt: V1 3 Nov -> 8 Nov, visited 8 Nov (on time);
    # V2 10 Nov -> 15 Nov, visited 16 Nov (late); V3 29 Dec -> 3 Jan 2015, not yet due at the end
    # of the quarter (pending); V4 1 Dec -> 6 Dec, not visited (overdue)
    Then the "visit_office" actions are 1 on time, 1 late, 1 overdue and 1 pending
    And the report gives no rate per 1000 member months

  Scenario: The CTDHP example rebuilds the fourth quarter of 2014 with the corrected rate
    Given the grievance log:
      | id | received             | type  |
      | O1 | 2014-10-06T10:00:00 | other |
    When the "quarterly" report of "ctdhp" is run for 2014Q4 with 2,354,933 member months
    # one grievance: 1 / 2,354,933 x 1000 = 0.000425; the document's 0.00467 does not follow
    Then the rate per 1000 member months is 0.000425 when rounded to 3 significant digits
    And a note of the report says "the document prints a rate of 0.00467 for this period"

  Scenario: Luxor's telephone log holds only the calls resolved by the next business day
    Given the grievance log:
      | id | received                  | channel | concerns              | resolved                  |
      | T1 | 2024-12-02T09:00:00-06:00 | phone   | provider availability | 2024-12-03T16:00:00-06:00 |
      | T2 | 2024-12-05T11:00:00-06:00 | phone   | quality of care       |                           |
      | T3 | 2024-12-06T11:00:00-06:00 | mail    | pricing or billing    | 2024-12-06T15:00:00-06:00 |
    When the "telephone_log" report of "luxor" is run for 2024-12
    # T1 was resolved Tue 3 Dec 16:00, before the close of the next business day: exempt, logged.
    # T2 was not resolved by the close of Fri 6 Dec: formal. T3 came by mail: formal.
    Then the report counts 1 grievance
    And the report counts 1 grievance of concern "provider_availability"
    And the report counts 0 grievances of concern "quality_of_care"
    And a note of the report says "personal data"

  Scenario: LIBERTY's issue-resolution report counts who handled each dissatisfaction
    Given the grievance log:
      | id | received                  | channel | group          | concerns          | resolved                  |
      | R1 | 2024-03-04T10:00:00-08:00 | phone   | Sacramento GMC | provider transfer | 2024-03-04T15:00:00-08:00 |
      | R2 | 2024-03-20T11:00:00-07:00 | phone   | Health Net     | treatment plan inquiry |                      |
      | R3 | 2024-03-15T09:00:00-07:00 | mail    | Sacramento GMC | poor crown        | 2024-04-10T09:00:00-07:00 |
    When the "issue_resolution" report of "liberty" is run for 2024-03
    # R1: exempt, LIBERTY resolves it within its 24-hour target (5 hours); R2: not delegated, no
    # contact in 72 hours, formal, handled by the health plan; R3: quality of care, formal, LIBERTY.
    # R3's acknowledgement was due 5 calendar days after 15 March = 20 March: not sent, overdue at
    # the end of March. Its resolution letter is due 30 days after receipt = 14 April: at the end
    # of March it was still to come (the 10 April resolution is after the report's as_of).
    Then the report counts 3 grievances
    And the report counts 2 grievances of handled by "plan"
    And the report counts 1 grievance of handled by "health_plan"
    And the report counts 0 grievances of group "OneCare"
    And the "acknowledge" actions are 0 on time, 0 late, 1 overdue and 0 pending
    And the "resolve" actions are 0 on time, 0 late, 0 overdue and 1 pending
