Feature: Example Texas dental HMO on the Texas state holiday calendar (a variant written with extends)
  Verifies examples/packs/texas_dental_hmo_state.yaml: the Texas dental HMO example with everything
  inherited but the calendar, which is the Texas state holiday calendar of the holidays package
  (subdivision TX) less the optional holidays Good Friday and Cesar Chavez Day.

  Times are Texas time (America/Chicago). Every expected date below was counted by hand; the
  comments show the count. State holidays met below: Texas Independence Day (Tuesday 2 March
  2027), the Friday after Thanksgiving (26 November 2027), Christmas Eve observed (Thursday 23
  December 2027), Christmas Day observed (Friday 24 December 2027) and New Year's Day 2028 observed
  on Friday 31 December 2027.

  Background:
    Given the policy "examples/packs/texas_dental_hmo_state.yaml"

  Scenario: The panel count back skips Thanksgiving and the Friday after it
    Given a grievance received by mail on Monday 4 October 2027 at 10:00
    And a "appeal requested" event on Monday 1 November 2027 at 10:00
    And the "appeal panel" is scheduled to meet on Tuesday 30 November 2027 at 10:00
    When the grievance is evaluated
    # back from Tue 30 Nov: Mon 29 (1), Fri 26 skipped (Friday After Thanksgiving), Thu 25 skipped
    # (Thanksgiving), Wed 24 (2), Tue 23 (3), Mon 22 (4), Fri 19 Nov (5)
    Then the documents for the complaint appeal panel is due on Friday 19 November 2027

  Scenario: Texas Independence Day is a business holiday on the state calendar
    Given a grievance received by mail on Monday 1 March 2027 at 10:00
    When the grievance is evaluated
    # Tue 2 skipped (Texas Independence Day), Wed 3 (1), Thu 4 (2), Fri 5 (3), Mon 8 (4), Tue 9 (5)
    Then the letter acknowledging the date is due on Tuesday 9 March 2027

  Scenario: Good Friday and Cesar Chavez Day, optional state holidays, are business days for this plan
    Given a grievance received by mail on Thursday 25 March 2027 at 10:00
    When the grievance is evaluated
    # Fri 26 Good Friday counts (1), Mon 29 (2), Tue 30 (3), Wed 31 Cesar Chavez Day counts (4),
    # Thu 1 April (5)
    Then the letter acknowledging the date is due on Thursday 1 April 2027

  Scenario: Christmas 2027 and New Year's Day 2028 observed on Friday 31 December on the state calendar
    Given a grievance received by mail on Wednesday 22 December 2027 at 10:00
    When the grievance is evaluated
    # Thu 23 skipped (Christmas Eve observed), Fri 24 skipped (Christmas Day observed), weekend
    # (Sun 26 Day After Christmas), Mon 27 (1), Tue 28 (2), Wed 29 (3), Thu 30 (4),
    # Fri 31 skipped (New Year's Day observed), Mon 3 January 2028 (5)
    Then the letter acknowledging the date is due on Monday 3 January 2028
    # 22 Dec + 9 = 31 Dec, + 21 = Friday 21 January 2028, a business day
    And the investigate and resolve the complaint is due on Friday 21 January 2028
