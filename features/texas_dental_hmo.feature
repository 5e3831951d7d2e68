Feature: Example Texas dental HMO complaint system (Tex. Ins. Code ch. 843, subchapter G)
  Verifies the example pack examples/packs/texas_dental_hmo.yaml, written in YAML only: the
  acknowledgement letter within five business days (§843.252(a)), resolution within thirty
  calendar days rolled forward off a weekend or holiday (§843.253(a), Gov't Code §311.014(b)),
  the appeal panel documents five business days before the panel meets (§843.256) and the record
  kept until the third anniversary of receipt (§843.260(b)).

  Times are Texas time (America/Chicago). Business days are Monday to Friday except US federal
  holidays on their observed dates. Every expected date below was counted by hand on a calendar;
  the comments show the count. Holidays met below: Thanksgiving (28 November 2024 and 25 November
  2027), Christmas Day 2024, Martin Luther King Jr. Day (20 January 2025), Juneteenth observed on
  Friday 18 June 2027 and New Year's Day 2028 observed on Friday 31 December 2027.

  Background:
    Given the policy "examples/packs/texas_dental_hmo.yaml"

  Scenario: Thanksgiving week: the acknowledgement skips Thanksgiving and the resolution rolls off a Sunday
    Given a grievance received by mail on Friday 22 November 2024 at 10:00
    When the grievance is evaluated
    # 5 business days: Mon 25 (1), Tue 26 (2), Wed 27 (3), Thanksgiving Thu 28 skipped, Fri 29 (4),
    # weekend, Mon 2 Dec (5)
    Then the letter acknowledging the date is due on Monday 2 December 2024 at 23:59:59 -06:00
    # 30 calendar days: 8 days to 30 Nov, + 22 = Sunday 22 December 2024 -> Monday 23 December
    And the investigate and resolve the complaint is due on Monday 23 December 2024 at 23:59:59 -06:00
    And the basis of the investigate and resolve the complaint mentions "2024-12-22 is a weekend day, so it rolls to the next business day"
    # third anniversary of 22 November 2024
    And the record of the complaint is due on Monday 22 November 2027
    And the one-page complaint form is not required

  Scenario: Martin Luther King Jr. Day: the thirtieth day falls on the Monday holiday and rolls to Tuesday
    Given a grievance received online on Saturday 21 December 2024 at 10:00
    When the grievance is evaluated
    # 5 business days from Saturday (day 0): Mon 23 (1), Tue 24 (2), Christmas Wed 25 skipped,
    # Thu 26 (3), Fri 27 (4), Mon 30 Dec (5)
    Then the letter acknowledging the date is due on Monday 30 December 2024
    # 21 Dec + 10 = 31 Dec, + 20 = Monday 20 January 2025 (MLK Day) -> Tuesday 21 January
    And the investigate and resolve the complaint is due on Tuesday 21 January 2025
    And the basis of the investigate and resolve the complaint mentions "a holiday (Martin Luther King Jr. Day)"

  Scenario: Juneteenth observed on Friday 18 June 2027: the thirtieth day rolls to Monday
    Given a grievance received by e-mail on Wednesday 19 May 2027 at 10:00
    When the grievance is evaluated
    # Thu 20 (1), Fri 21 (2), Mon 24 (3), Tue 25 (4), Wed 26 May (5)
    Then the letter acknowledging the date is due on Wednesday 26 May 2027
    # 19 May + 12 = 31 May, + 18 = Friday 18 June 2027 (Juneteenth, a Saturday, observed Friday)
    # -> weekend -> Monday 21 June 2027
    And the investigate and resolve the complaint is due on Monday 21 June 2027

  Scenario: Juneteenth observed on Friday 18 June 2027 is skipped by the acknowledgement count
    Given a grievance received by fax on Monday 14 June 2027 at 10:00
    When the grievance is evaluated
    # Tue 15 (1), Wed 16 (2), Thu 17 (3), Fri 18 skipped (Juneteenth observed), Mon 21 (4), Tue 22 (5)
    Then the letter acknowledging the date is due on Tuesday 22 June 2027
    # 14 June + 16 = 30 June, + 14 = Wednesday 14 July 2027, a business day: no roll
    And the investigate and resolve the complaint is due on Wednesday 14 July 2027

  Scenario: New Year's Day 2028 observed on Friday 31 December 2027: the thirtieth day rolls to Monday 3 January
    Given a grievance received by mail on Wednesday 1 December 2027 at 10:00
    When the grievance is evaluated
    # Thu 2 (1), Fri 3 (2), Mon 6 (3), Tue 7 (4), Wed 8 Dec (5)
    Then the letter acknowledging the date is due on Wednesday 8 December 2027
    # 1 Dec + 30 = Friday 31 December 2027 (New Year's Day observed), Sat 1 and Sun 2 January
    # -> Monday 3 January 2028
    And the investigate and resolve the complaint is due on Monday 3 January 2028

  Scenario: An oral complaint after Christmas 2027: the form goes with the acknowledgement, the 30 days run from its return
    Given a grievance received by telephone on Monday 27 December 2027 at 10:00
    And a "complaint form received" event on Tuesday 4 January 2028 at 09:00
    When the grievance is evaluated
    # Tue 28 (1), Wed 29 (2), Thu 30 (3), Fri 31 skipped (New Year's Day observed), Mon 3 Jan (4),
    # Tue 4 Jan 2028 (5)
    Then the letter acknowledging the date is due on Tuesday 4 January 2028
    And the one-page complaint form is due on Tuesday 4 January 2028
    # from the form's return: 4 Jan + 27 = 31 Jan, + 3 = Thursday 3 February 2028
    And the investigate and resolve the complaint is due on Thursday 3 February 2028

  Scenario: An oral complaint whose form has not come back has no resolution date yet
    Given a grievance received by telephone on Monday 27 December 2027 at 10:00
    When the grievance is evaluated
    Then the investigate and resolve the complaint has no due date
    And the basis of the investigate and resolve the complaint mentions "not yet happened"

  Scenario: The appeal panel documents are due five business days before the panel meets, counted back across Thanksgiving
    Given a grievance received by mail on Monday 4 October 2027 at 10:00
    And a "appeal requested" event on Monday 1 November 2027 at 10:00
    And the "appeal panel" is scheduled to meet on Tuesday 30 November 2027 at 10:00
    When the grievance is evaluated
    # back from Tue 30 Nov: Mon 29 (1), Fri 26 (2), Thanksgiving Thu 25 skipped, Wed 24 (3),
    # Tue 23 (4), Mon 22 Nov (5)
    Then the documents for the complaint appeal panel is due on Monday 22 November 2027 at 23:59:59 -06:00
    And the basis of the documents for the complaint appeal panel mentions "5 business days before the appeal_panel (2027-11-30)"

  Scenario: A count back from a panel meeting across Juneteenth observed on Friday 18 June 2027
    Given a grievance received by mail on Monday 3 May 2027 at 10:00
    And a "appeal requested" event on Tuesday 1 June 2027 at 10:00
    And the "appeal panel" is scheduled to meet on Wednesday 23 June 2027 at 14:00
    When the grievance is evaluated
    # back from Wed 23 June: Tue 22 (1), Mon 21 (2), Fri 18 skipped, Thu 17 (3), Wed 16 (4), Tue 15 (5)
    Then the documents for the complaint appeal panel is due on Tuesday 15 June 2027

  Scenario: Before the panel is scheduled the documents have no due date (reading: no date until scheduled)
    Given a grievance received by mail on Monday 4 October 2027 at 10:00
    And a "appeal requested" event on Monday 1 November 2027 at 10:00
    When the grievance is evaluated
    Then the documents for the complaint appeal panel has no due date
    And the basis of the documents for the complaint appeal panel mentions "not yet scheduled"

  Scenario: A complaint received on 29 February is kept until 1 March 2027, its third anniversary (reading: leap_day mar_1)
    Given a grievance received by mail on Thursday 29 February 2024 at 10:00
    When the grievance is evaluated
    # 2027 has no 29 February; the pack reads the anniversary as 1 March
    Then the record of the complaint is due on Monday 1 March 2027
    And the basis of the record of the complaint mentions "keep until 3 years after receipt"
    # Fri 1 Mar (1), Mon 4 (2), Tue 5 (3), Wed 6 (4), Thu 7 Mar (5)
    And the letter acknowledging the date is due on Thursday 7 March 2024
    # 29 Feb + 30 = Saturday 30 March 2024 -> Monday 1 April 2024
    And the investigate and resolve the complaint is due on Monday 1 April 2024

  Scenario: A keep-until date is never overdue
    Given a grievance received by mail on Thursday 29 February 2024 at 10:00
    When the grievance is evaluated as of Tuesday 2 March 2027 at 09:00
    Then the record of the complaint is done
    And the letter acknowledging the date is overdue

  Scenario: The complainant agreed otherwise: the statutory count back does not apply (reading: the action is not listed)
    Given a grievance received by mail on Monday 4 October 2027 at 10:00
    And a "appeal requested" event on Monday 1 November 2027 at 10:00
    And the "appeal panel" is scheduled to meet on Tuesday 30 November 2027 at 10:00
    And the declared fact "complainant agreed otherwise" is true
    When the grievance is evaluated
    Then the documents for the complaint appeal panel is not required
